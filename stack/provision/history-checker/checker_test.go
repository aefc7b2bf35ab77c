package main

// The checker on the recorded histories in testdata: each must get the exit
// code and exactly the anomalous properties testdata/expectations.json names.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type expectation struct {
	Exit      int      `json:"exit"`
	Anomalous []string `json:"anomalous"`
	Line      int      `json:"line"`
}

// loadExpectations reads dir/expectations.json: what each history file of dir must get, by file name.
func loadExpectations[E any](t *testing.T, dir string) map[string]E {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "expectations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	expectations := map[string]E{}
	for name, value := range all {
		if strings.HasPrefix(name, "$") {
			continue
		}
		var e E
		if err := json.Unmarshal(value, &e); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		expectations[name] = e
	}
	return expectations
}

func TestEveryFixtureHasAnExpectation(t *testing.T) {
	for _, dir := range []string{"testdata", casesDir} {
		expectations := loadExpectations[json.RawMessage](t, dir)
		files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
		for _, file := range files {
			if _, ok := expectations[filepath.Base(file)]; !ok {
				t.Errorf("%s has no entry in %s/expectations.json", file, dir)
			}
		}
	}
}

// runOn runs the checker as its command line does on a history file: the exit code and what it printed.
func runOn(t *testing.T, file string) (int, []byte) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run([]string{file}, nil, &stdout, &stderr)
	if code == 2 && stdout.Len() == 0 {
		t.Fatalf("exit 2: %s", stderr.String())
	}
	return code, stdout.Bytes()
}

// propertyCounts is the verdict's counts, by property name.
func propertyCounts(v verdict) map[string]propertyCount {
	return map[string]propertyCount{
		propertyStrong: v.Properties.Strong.propertyCount, propertyRYW: v.Properties.RYW, propertyMonotonic: v.Properties.Monotonic,
		propertyConvergence: v.Properties.Convergence.propertyCount, propertyLost: v.Properties.Lost,
	}
}

func TestFixtures(t *testing.T) {
	for name, want := range loadExpectations[expectation](t, "testdata") {
		t.Run(name, func(t *testing.T) {
			code, stdout := runOn(t, filepath.Join("testdata", name))
			if code != want.Exit {
				t.Fatalf("exit %d, want %d", code, want.Exit)
			}
			if want.Exit == 2 {
				var m malformedOutput
				if err := json.Unmarshal(stdout, &m); err != nil || m.Code != "MALFORMED_HISTORY" || m.Line != want.Line {
					t.Fatalf("want MALFORMED_HISTORY at line %d, got %s (%v)", want.Line, stdout, err)
				}
				return
			}
			var v verdict
			if err := json.Unmarshal(stdout, &v); err != nil {
				t.Fatal(err)
			}
			var anomalous []string
			for property, count := range propertyCounts(v) {
				if count.Checked == 0 {
					t.Errorf("%s checked nothing: the fixture does not exercise it", property)
				}
				if count.Anomalies > 0 {
					anomalous = append(anomalous, property)
				}
			}
			slices.Sort(anomalous)
			expected := slices.Sorted(slices.Values(want.Anomalous))
			if !slices.Equal(anomalous, expected) {
				t.Errorf("anomalous properties %v, want %v", anomalous, expected)
			}
			if v.Valid != (len(v.Anomalies) == 0) || len(v.Anomalies) == 0 != (want.Exit == 0) {
				t.Errorf("valid %t with %d anomalies", v.Valid, len(v.Anomalies))
			}
			for _, a := range v.Anomalies {
				if a.Explanation == "" || a.Entity == "" || a.Store == "" || len(a.Indexes) < 2 || len(a.Indexes) != len(a.Lines) || !slices.IsSorted(a.Indexes) {
					t.Errorf("an anomaly without its explanation or fragment: %s %s %v", a.Property, a.Explanation, a.Indexes)
				}
			}
		})
	}
}
