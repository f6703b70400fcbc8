// Package web serves the browser side of Tickroom from the gameserver
// binary itself, so that nobody running a server needs a build step: the
// browser SDK (built from sdk/src with esbuild and committed as
// sdk/dist/tickroom.js, with its type declarations) and the demo pages
// that play the arena and tag games in a browser.
//
// The SDK is committed rather than built at run time so that `go run`
// works on a machine without Node; TestSDKIsBuilt rebuilds it with
// esbuild's Go API, with the settings of sdk/build.json, and fails when the
// committed file differs from what the source builds to.
//
// Everything is embedded and read-only. Responses carry a strong ETag (a
// hash of the bytes) and "Cache-Control: no-cache", so a browser
// revalidates and gets a 304 until the binary changes; clients that accept
// gzip get bytes compressed once, at start.
package web
