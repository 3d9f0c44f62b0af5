module kafkainsight/tests/flog

go 1.26

tool github.com/mingrammer/flog

require (
	github.com/brianvoe/gofakeit v3.11.5+incompatible // indirect
	github.com/fatih/color v1.6.0 // indirect
	github.com/mattn/go-colorable v0.0.9 // indirect
	github.com/mattn/go-isatty v0.0.3 // indirect
	github.com/mingrammer/cfmt v1.0.0 // indirect
	github.com/mingrammer/flog v0.4.4 // indirect
	github.com/spf13/pflag v1.0.0 // indirect
	golang.org/x/sys v0.0.0-20180416112224-2f57af4873d0 // indirect
)
