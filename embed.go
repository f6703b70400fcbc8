// Package tickroom holds the embedded default server.toml, so the gameserver
// runs with no config file at all and the defaults it runs with are the ones
// documented in that file. It exists only for this embed: go:embed cannot
// reach a parent directory, and server.toml lives at the repository root where
// operators look for it.
package tickroom

import _ "embed"

// DefaultConfigTOML is the content of server.toml at the repository root.
// cmd/gameserver parses it when no -config file is given.
//
//go:embed server.toml
var DefaultConfigTOML []byte
