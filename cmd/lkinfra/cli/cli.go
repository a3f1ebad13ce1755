// Command lkinfra is the operator CLI for livekit-infra.
//
//	lkinfra plan --stack dev [--json] [--dir .]
//
// Each subcommand lives in its own file and registers itself in init();
// main only dispatches. Exit codes: 0 success, 1 failure (bad config,
// program error), 2 usage error.
package cli

import (
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Main runs the command line args (without the program name) against
// program and returns the exit code.
func Main(args []string, stdout, stderr io.Writer, program func(*pulumi.Context) (pulumi.Map, error)) int {
	return run(args, env{stdout: stdout, stderr: stderr, program: program})
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// env is what a subcommand runs with; tests build their own.
type env struct {
	stdout, stderr io.Writer
	// program is the Pulumi program to evaluate (stacks.Program in lkinfra).
	program func(*pulumi.Context) (pulumi.Map, error)
	// flagSets, when set, collects every flag set a command makes (tests
	// check that its help names each flag).
	flagSets *[]*flag.FlagSet
}

// newFlagSet is how every subcommand makes its flag set: one set per
// command, whose Usage ends with PrintDefaults, so `lkinfra <command> -h`
// names every flag the command accepts.
func newFlagSet(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	if e.flagSets != nil {
		*e.flagSets = append(*e.flagSets, fs)
	}
	return fs
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, e env) int
}

var commands = map[string]command{}

// register adds a subcommand; called from init() in the subcommand's file.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("lkinfra: duplicate command " + c.name)
	}
	commands[c.name] = c
}

// run dispatches args (without the program name) and returns the exit code.
func run(args []string, e env) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(e.stdout)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "lkinfra: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return exitUsage
	}
	return c.run(args[1:], e)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: lkinfra <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'lkinfra <command> -h' for a command's flags.")
}
