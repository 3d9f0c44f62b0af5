/* The floor producer: the least a program can do to put a file's lines into Kafka with
 * librdkafka, as the real ceiling beside kcat. One message per line, zero-copy from an mmap
 * of the file, our producer's settings (cpp/src/kafka/producer.cc), flush, count the
 * acknowledgements. Usage: floor_producer BROKERS TOPIC FILE [-X key=value ...] */
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

static long acked, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk, (void)opaque;
  if (m->err) failed++; else acked++;
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v) {
  char err[256];
  if (rd_kafka_conf_set(conf, k, v, err, sizeof err) == RD_KAFKA_CONF_OK) return 0;
  fprintf(stderr, "%s=%s: %s\n", k, v, err);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4) return fprintf(stderr, "usage: %s BROKERS TOPIC FILE [-X key=value ...]\n", argv[0]), 2;
  static const char *defaults[][2] = {
      {"enable.idempotence", "true"}, {"acks", "all"}, {"compression.type", "lz4"}, {"linger.ms", "20"},
      {"batch.size", "1000000"}, {"batch.num.messages", "10000"}, {"queue.buffering.max.messages", "500000"},
      {"queue.buffering.max.kbytes", "262144"}};
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  int bad = set(conf, "bootstrap.servers", argv[1]);
  for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) bad |= set(conf, defaults[i][0], defaults[i][1]);
  for (int i = 4; i + 1 < argc; i += 2) {
    char *eq = strchr(argv[i + 1], '=');
    if (strcmp(argv[i], "-X") || !eq) return fprintf(stderr, "bad argument %s\n", argv[i + 1]), 2;
    *eq = 0, bad |= set(conf, argv[i + 1], eq + 1);
  }
  if (bad) return 2;
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char err[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) return fprintf(stderr, "%s\n", err), 1;
  int fd = open(argv[3], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) return perror(argv[3]), 1;
  char *data = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
  if (data == MAP_FAILED) return perror("mmap"), 1;
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, argv[2], NULL);
  long sent = 0;
  for (char *p = data, *end = data + st.st_size; p < end;) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = (size_t)((nl ? nl : end) - p);
    /* msgflags 0: no copy, no free; the mapping outlives the flush below. */
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, p, len, NULL, 0, NULL) == -1) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return fprintf(stderr, "produce: %s\n", rd_kafka_err2str(rd_kafka_last_error())), 1;
      rd_kafka_poll(rk, 50);
    }
    sent++;
    p += len + 1;
  }
  rd_kafka_flush(rk, 120000);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  printf("{\"sent\": %ld, \"acked\": %ld, \"failed\": %ld}\n", sent, acked, failed);
  return acked == sent && !failed ? 0 : 1;
}
