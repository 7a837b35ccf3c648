using StreamRisk.Contracts;

namespace StreamRisk.Contracts.Tests;

public sealed class TopicNamesTests
{
    [Fact]
    public void Defaults_AllSharePrefixAndAreDistinct()
    {
        var names = new TopicNames().WithDefaultPartitions().Select(t => t.Name).ToArray();

        Assert.All(names, n => Assert.StartsWith("streamrisk.", n, StringComparison.Ordinal));
        Assert.Equal(names.Length, names.Distinct().Count());
    }

    [Fact]
    public void WithPrefix_ReplacesPrefixOnEveryTopic()
    {
        var names = TopicNames.WithPrefix("staging.");

        Assert.Equal("staging.positions", names.Positions);
        Assert.Equal("staging.deadletter", names.DeadLetter);
        Assert.Equal("staging.insurance", names.Insurance);
        Assert.Equal("staging.insurance", names.Of(StreamRisk.Contracts.Wire.WireTopic.Insurance));
        Assert.All(names.WithDefaultPartitions(), t => Assert.StartsWith("staging.", t.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void Positions_HasMostPartitions_SoAccountsSpreadAcrossInstances()
    {
        var topics = new TopicNames().WithDefaultPartitions();

        Assert.Equal(topics.Max(t => t.Partitions), topics.Single(t => t.Name == "streamrisk.positions").Partitions);
    }
}
