//go:build race

package reliability

// raceEnabled builds the server under test with the race detector too.
const raceEnabled = true
