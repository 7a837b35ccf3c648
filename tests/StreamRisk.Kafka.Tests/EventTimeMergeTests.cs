using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;
using StreamRisk.Contracts.Wire;
using StreamRisk.Kafka.Ingest;

namespace StreamRisk.Kafka.Tests;

/// <summary>The merge behind event-time ordering: what it holds, the order it lets out, and what a revoke voids.</summary>
public sealed class EventTimeMergeTests
{
    [Fact]
    public void ReleasesInEventTimeThenReplayOrder_OnlyStagesBeforeTheBarrier()
    {
        var merge = new EventTimeMerge();
        // Arrival order scrambled across partitions, as Kafka delivers them.
        Assert.True(merge.TryHold(Message("book", 0, 30, eventTime: 1_000, epoch: 1, seq: 4), WireTopic.Marks, fromGroup: false));
        Assert.True(merge.TryHold(Message("positions", 3, 7, eventTime: 900, epoch: 0, seq: 2), WireTopic.Marks, fromGroup: true));
        Assert.True(merge.TryHold(Message("marks", 1, 12, eventTime: 1_000, epoch: 1, seq: 3), WireTopic.Marks, fromGroup: false));
        Assert.True(merge.TryHold(Message("book", 0, 29, eventTime: 900, epoch: 0, seq: 1), WireTopic.Marks, fromGroup: false));
        Assert.True(merge.TryHold(Message("marks", 1, 13, eventTime: 1_100, epoch: 2, seq: 5), WireTopic.Marks, fromGroup: false));

        var released = new List<long>();
        merge.ReleaseBefore(2, held => released.Add(SequenceOf(held)));

        Assert.Equal([1, 2, 3, 4], released);
        Assert.Equal(1, merge.Count);
        Assert.Equal(2, merge.MaxStage);
        Assert.Equal(2, merge.NextStage);
    }

    [Fact]
    public void WithoutReplayHeaders_StageIsEventTime_TiesKeepArrivalOrder()
    {
        var merge = new EventTimeMerge();
        merge.TryHold(Message("book", 0, 1, eventTime: 2_000), WireTopic.Marks, fromGroup: false);
        merge.TryHold(Message("marks", 0, 1, eventTime: 1_500), WireTopic.Marks, fromGroup: false);
        merge.TryHold(Message("book", 1, 1, eventTime: 1_500), WireTopic.Marks, fromGroup: false);

        var released = new List<string>();
        merge.ReleaseBefore(2_000, held => released.Add(held.Result.TopicPartition.ToString()));

        Assert.Equal(["marks [[0]]", "book [[1]]"], released);
        Assert.Equal(2_000, merge.NextStage);
    }

    [Fact]
    public void NoEventTime_NotHeld_AndRevokedPartitionsAreVoided()
    {
        var merge = new EventTimeMerge();
        Assert.False(merge.TryHold(Raw("instruments", 0, 0, "{\"v\":1,\"symbol\":\"XUSDT\"}"), WireTopic.Marks, fromGroup: false));
        Assert.False(merge.TryHold(Raw("marks", 0, 0, "{\"v\":1,\"eventTime\":"), WireTopic.Marks, fromGroup: false));
        merge.TryHold(Message("positions", 4, 10, eventTime: 100, epoch: 0, seq: 1), WireTopic.Marks, fromGroup: true);
        merge.TryHold(Message("positions", 5, 10, eventTime: 100, epoch: 0, seq: 2), WireTopic.Marks, fromGroup: true);

        merge.Revoke([new TopicPartition("positions", 4)]);
        var released = new List<long>();
        merge.ReleaseBefore(long.MaxValue, held => released.Add(SequenceOf(held)));

        Assert.Equal([2], released);
        Assert.Equal(0, merge.Count);
    }

    [Fact]
    public void ReplayControlMessage_AdvancesTheStage_IsNotHeldForApplying()
    {
        var merge = new EventTimeMerge();
        merge.TryHold(Message("marks", 0, 1, eventTime: 500, epoch: 7, seq: 1), WireTopic.Marks, fromGroup: false);
        var control = Raw("marks", 2, 4, "{}");
        control.Message.Value = null!;
        var order = new byte[16];
        BinaryPrimitives.WriteInt64BigEndian(order, 8);
        control.Message.Headers = [new Header(EventTimeMerge.OrderHeader, order)];

        Assert.True(EventTimeMerge.IsReplayControl(control));
        Assert.True(merge.TryHold(control, WireTopic.Marks, fromGroup: false));
        Assert.Equal(1, merge.Count);
        Assert.Equal(8, merge.MaxStage);
        Assert.True(merge.SawReplayOrder);
        var released = new List<long>();
        merge.ReleaseBefore(merge.MaxStage, held => released.Add(SequenceOf(held)));
        Assert.Equal([1], released);
    }

    private static ConsumeResult<byte[], byte[]> Message(string topic, int partition, long offset, long eventTime, long? epoch = null, long? seq = null)
    {
        var message = Raw(topic, partition, offset, $"{{\"v\":1,\"eventTime\":{eventTime},\"price\":1}}");
        if (epoch is { } e && seq is { } s)
        {
            var order = new byte[16];
            BinaryPrimitives.WriteInt64BigEndian(order, e);
            BinaryPrimitives.WriteInt64BigEndian(order.AsSpan(8), s);
            message.Message.Headers = [new Header(EventTimeMerge.OrderHeader, order)];
        }

        return message;
    }

    private static ConsumeResult<byte[], byte[]> Raw(string topic, int partition, long offset, string json) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(topic, partition, offset),
        Message = new Message<byte[], byte[]> { Key = [], Value = Encoding.UTF8.GetBytes(json) },
    };

    private static long SequenceOf(EventTimeMerge.Held held)
    {
        held.Result.Message.Headers.TryGetLastBytes(EventTimeMerge.OrderHeader, out var order);
        return BinaryPrimitives.ReadInt64BigEndian(order.AsSpan(8));
    }
}
