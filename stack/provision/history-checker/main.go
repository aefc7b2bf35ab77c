// Command history-checker judges a history recorded by the consistency lab
// or `./stackctl check`: JSON lines, one operation event a line
// (docs/history-checker.md). It checks, per entity, strong consistency as
// linearizability with Porcupine, read-your-writes, monotonic reads,
// convergence, and that no entity is lost or comes back, and prints a JSON
// verdict with every anomaly and the lines that show it.
//
// Usage: history-checker [-partition-timeout 10s] [FILE]   (no FILE or "-": stdin)
//
// Exit 0: no anomaly. 1: anomalies. 2: the history is malformed (the message
// names the line) or cannot be read.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

type malformedOutput struct {
	Error string `json:"error"`
	Code  string `json:"code"`
	Line  int    `json:"line"`
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("history-checker", flag.ContinueOnError)
	flags.SetOutput(stderr)
	timeout := flags.Duration("partition-timeout", 10*time.Second, "how long Porcupine may search one entity's view in one store; past it that view is undecided")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() > 1 {
		fmt.Fprintln(stderr, "history-checker: takes one history file (or none, to read stdin)")
		return 2
	}
	input := stdin
	if path := flags.Arg(0); path != "" && path != "-" {
		file, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "history-checker: cannot open the history: %v\n", err)
			return 2
		}
		defer file.Close()
		input = file
	}
	h, err := parseHistory(input)
	if err != nil {
		var bad *malformedError
		if errors.As(err, &bad) {
			fmt.Fprintf(stderr, "history-checker: malformed history: %v\n", err)
			_ = writeJSON(stdout, malformedOutput{Error: err.Error(), Code: "MALFORMED_HISTORY", Line: bad.line})
		} else {
			fmt.Fprintf(stderr, "history-checker: %v\n", err)
		}
		return 2
	}
	v := check(h, checkOptions{partitionTimeout: *timeout})
	if err := writeJSON(stdout, v); err != nil {
		fmt.Fprintf(stderr, "history-checker: cannot write the verdict: %v\n", err)
		return 2
	}
	if !v.Valid {
		return 1
	}
	return 0
}
