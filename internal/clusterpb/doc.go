// Package clusterpb holds the messages Tickroom nodes send each other,
// generated from clusterpb.proto with protoc and protoc-gen-go (the version
// go.mod requires). hollywood's remote layer carries protobuf messages
// only, so every value that crosses nodes is one of these; the actors
// package documents when each is sent (actors/doc.go, "Cluster").
//
// Regenerate after editing clusterpb.proto (protoc must be installed):
//
//	go generate ./internal/clusterpb
//
// TestGeneratedIsFresh fails when the committed clusterpb.pb.go is stale, on
// a machine with protoc; it is skipped elsewhere.
package clusterpb

//go:generate go run ./gen -out .
