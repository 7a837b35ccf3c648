namespace StreamRisk.Host.Logging;

/// <summary>The categories StreamRisk logs under: a filter (<c>--log-level</c>, an OTLP pipeline) can tell them apart.</summary>
public static class LogCategories
{
    /// <summary>The monitor's own lines: start, stop, failures of the engine or the projections.</summary>
    public const string Monitor = "StreamRisk.Monitor";

    /// <summary>librdkafka's lines (rate-limited, at librdkafka's level) and the Kafka clients' own, of every client: the
    /// monitor's, the dead-letter producer, the demo's simulated feed, <c>record</c> and <c>replay --to-kafka</c>
    /// (librdkafka names the client in its lines).</summary>
    public const string Kafka = StreamRisk.Kafka.KafkaLog.Category;

    /// <summary>Messages the monitor could not use, as they are sent to the dead-letter topic (the first few of a run).</summary>
    public const string DeadLetters = "StreamRisk.DeadLetters";

    /// <summary>Publishing alerts and pictures to Redis, and the hook's consumer.</summary>
    public const string Redis = "StreamRisk.Redis";

    /// <summary>The account stage of a scaled-out deployment.</summary>
    public const string Accounts = "StreamRisk.Accounts";
}
