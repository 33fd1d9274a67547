// A small program of this project's own that runs Siemens' csharg v1.0.2 SHB stream editor
// (github.com/siemens/csharg/pcapng) on test cases, so that the TypeScript editor can be checked
// against it byte for byte (test/integration/diff-shb-editor-csharg-go.test.ts).
module csharg-ts/test/go/shb-editor

go 1.21

require (
	github.com/siemens/csharg v1.0.2
	github.com/sirupsen/logrus v1.9.3
)

require (
	github.com/kr/text v0.2.0 // indirect
	golang.org/x/sys v0.9.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
