package tickroom

import _ "embed"

// DefaultConfigTOML is the content of server.toml at the repository root,
// embedded so that a server runs with no config file at all and with
// exactly the defaults that file documents. (go:embed cannot reach a parent
// directory, which is one reason the server package is the module root:
// server.toml lives there, where operators look for it.)
//
//go:embed server.toml
var DefaultConfigTOML []byte
