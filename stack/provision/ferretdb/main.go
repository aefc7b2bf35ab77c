// Command ferretdb runs FerretDB's embeddable server on the backend it is given:
// the stack runs it with -handler postgresql on the ferretdb-store cluster
// (docs/ferretdb.md); -handler sqlite remains for a run by hand.
//
// FerretDB's own cmd/ferretdb refuses to run when built with `go install`
// (it expects a version file produced by its release build), so the stack
// builds this small wrapper around the supported embedding API instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address for the MongoDB wire protocol")
	dataDir := flag.String("data-dir", "", "directory holding the SQLite databases (sqlite handler)")
	handler := flag.String("handler", "sqlite", "storage backend: sqlite or postgresql")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL connection string (postgresql handler)")
	logLevel := flag.String("log-level", "info", "debug, info, warn or error")
	flag.Parse()

	switch *handler {
	case "sqlite":
		if *dataDir == "" {
			fmt.Fprintln(os.Stderr, "ferretdb: -data-dir is required with the sqlite handler")
			os.Exit(2)
		}
		if err := os.MkdirAll(*dataDir, 0o750); err != nil {
			fmt.Fprintf(os.Stderr, "ferretdb: cannot create data dir %s: %v\n", *dataDir, err)
			os.Exit(1)
		}
	case "postgresql":
		if *postgresURL == "" {
			fmt.Fprintln(os.Stderr, "ferretdb: -postgresql-url is required with the postgresql handler")
			os.Exit(2)
		}
	default:
		fmt.Fprintf(os.Stderr, "ferretdb: unknown -handler %q (sqlite or postgresql)\n", *handler)
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// The SQLite handler treats the URL as a directory only when it ends with a slash.
	url := "file:" + strings.TrimSuffix(*dataDir, "/") + "/"

	server, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listen},
		Logger:        logger,
		Handler:       *handler,
		SQLiteURL:     url,
		PostgreSQLURL: *postgresURL,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	logger.Info("ferretdb listening", "address", *listen, "handler", *handler)
	if err := server.Run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: %v\n", err)
		os.Exit(1)
	}
	logger.Info("ferretdb stopped")
}
