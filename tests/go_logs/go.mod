module kafkainsight/tests/go_logs

go 1.21

require go.uber.org/zap v1.28.0

require go.uber.org/multierr v1.10.0 // indirect
