// Reads test cases as JSON on stdin, runs each through csharg's pcapng.NewStreamEditor (the
// editor Siemens' Go csharg puts in front of every capture stream) and prints the edited bytes.
//
// Input:  {"cases": [{"target": {...csharg api.Target JSON...}, "filter": "...", "noProm": bool,
//                     "input": "<hex>"}, ...]}
// Output: {"outputs": ["<hex>", ...]} in the order of the cases.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/siemens/csharg/api"
	"github.com/siemens/csharg/pcapng"
	log "github.com/sirupsen/logrus"
)

type testCase struct {
	Target *api.Target `json:"target"`
	Filter string      `json:"filter"`
	NoProm bool        `json:"noProm"`
	Input  string      `json:"input"`
}

type request struct {
	Cases []testCase `json:"cases"`
}

type response struct {
	Outputs []string `json:"outputs"`
}

func run(in io.Reader, out io.Writer) error {
	var req request
	if err := json.NewDecoder(in).Decode(&req); err != nil {
		return fmt.Errorf("reading cases: %w", err)
	}
	res := response{Outputs: make([]string, 0, len(req.Cases))}
	for i, c := range req.Cases {
		input, err := hex.DecodeString(c.Input)
		if err != nil {
			return fmt.Errorf("case %d: input: %w", i, err)
		}
		var sink bytes.Buffer
		editor := pcapng.NewStreamEditor(&sink, c.Target, c.Filter, c.NoProm)
		if _, err := editor.Write(input); err != nil {
			return fmt.Errorf("case %d: editor: %w", i, err)
		}
		res.Outputs = append(res.Outputs, hex.EncodeToString(sink.Bytes()))
	}
	return json.NewEncoder(out).Encode(res)
}

func main() {
	// The editor logs at debug and error level; keep stdout for the answer.
	log.SetOutput(io.Discard)
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
