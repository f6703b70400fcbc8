package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: clients,
// log readers and process waiters all have owners that must end them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
