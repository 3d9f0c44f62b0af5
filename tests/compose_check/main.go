// compose_check loads a compose file with compose-go, the library `docker compose config`
// is built on (interpolation, the compose-spec JSON schema, normalisation), and prints the
// resolved project as JSON; any error is printed with exit code 1. No Docker engine needed.
//
//	go run . -f ../../deploy/docker-compose.yml [-env-file ../../deploy/.env.example]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := flag.String("f", "docker-compose.yml", "compose file")
	envFile := flag.String("env-file", "", "env file (default: .env beside the compose file)")
	flag.Parse()
	opts := []cli.ProjectOptionsFn{cli.WithOsEnv, cli.WithDotEnv, cli.WithInterpolation(true),
		cli.WithResolvedPaths(true), cli.WithNormalization(true)}
	if *envFile != "" {
		opts = append([]cli.ProjectOptionsFn{cli.WithEnvFiles(*envFile)}, opts...)
	}
	po, err := cli.NewProjectOptions([]string{*file}, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := po.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.Marshal(project)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}
