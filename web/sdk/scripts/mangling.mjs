// mangling returns build.json's property-mangling settings (mangleProps,
// reserveProps, mangleQuoted) as esbuild's JavaScript API takes them: the
// JSON file holds the regular expressions as strings (as web/sdk_test.go,
// which builds with the same file, reads them), the API wants RegExps.
// See README.md, "Source conventions".
export function mangling(config) {
  const o = {};
  if (config.mangleProps !== undefined) o.mangleProps = new RegExp(config.mangleProps);
  if (config.reserveProps !== undefined) o.reserveProps = new RegExp(config.reserveProps);
  if (config.mangleQuoted !== undefined) o.mangleQuoted = config.mangleQuoted;
  return o;
}
