package io.sluice.bench;

import io.sluice.quickstart.stack.StackException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Kafka's own performance tools (kafka-tools), each run as a process of its own on the stack's broker. */
final class KafkaTools {
    private KafkaTools() {
    }

    /** {@code ProducerPerformance} at full speed; its records/s. */
    static double producerPerformance(BenchStack stack, String topic, int recordSize, long records, List<String> producerProps)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--topic", topic, "--num-records", Long.toString(records), "--record-size",
                Integer.toString(recordSize), "--throughput", "-1", "--producer-props", "bootstrap.servers=" + stack.bootstrap()));
        args.addAll(producerProps);
        String out = stack.kafkaTool("producer-perf-" + topic, "org.apache.kafka.tools.ProducerPerformance", args,
                Duration.ofMinutes(10));
        String last = out.lines().filter(l -> l.contains("records sent")).reduce((a, b) -> b)
                .orElseThrow(() -> new StackException("no summary from ProducerPerformance:\n" + out));
        return Double.parseDouble(last.substring(last.indexOf(',') + 1).trim().split(" ")[0]);
    }

    /** {@code ConsumerPerformance} from the start of {@code topic}; its fetch rate (records/s, without the group join). */
    static double consumerPerformance(BenchStack stack, String topic, long records, String group) throws IOException,
            InterruptedException {
        String out = stack.kafkaTool("consumer-perf-" + group, "org.apache.kafka.tools.ConsumerPerformance", List.of(
                "--bootstrap-server", stack.bootstrap(), "--topic", topic, "--num-records", Long.toString(records), "--timeout",
                "60000", "--group", group), Duration.ofMinutes(10));
        List<String> lines = out.strip().lines().filter(l -> l.contains(",")).toList();
        for (int h = lines.size() - 2; h >= 0; h--) {
            String[] header = lines.get(h).split(",\\s*");
            String[] values = lines.get(h + 1).split(",\\s*");
            for (int i = 0; i < header.length && i < values.length; i++) {
                if (header[i].trim().equals("fetch.nMsg.sec")) {
                    return Double.parseDouble(values[i].trim());
                }
            }
        }
        throw new StackException("unexpected ConsumerPerformance output:\n" + out);
    }
}
