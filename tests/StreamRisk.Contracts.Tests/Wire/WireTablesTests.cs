using System.Reflection;
using StreamRisk.Contracts.Wire;
using StreamRisk.Domain;
using StreamRisk.Domain.Books;
using StreamRisk.Domain.Instruments;

namespace StreamRisk.Contracts.Tests.Wire;

public sealed class WireTablesTests
{
    [Fact]
    public void SymbolTable_FromCatalog_SameIndicesAndExactTicks()
    {
        var catalog = new InstrumentCatalog();
        catalog.Upsert(new Instrument(new Symbol("BTCUSDT"), ContractKind.Linear, 0.1, 0.001, MarginTiers.Flat(0.004)));
        catalog.Upsert(new Instrument(new Symbol("ETHUSDT"), ContractKind.Linear, 0.01, 0.001, MarginTiers.Flat(0.004)));

        var table = SymbolTable.From(catalog);

        Assert.True(table.TryGetIndex("ETHUSDT"u8, out var eth));
        Assert.Equal(1, eth);
        Assert.Equal(TickSize.FromDecimal(0.01m), table.TickSizeAt(eth));
        Assert.Equal(new Symbol("BTCUSDT"), table.SymbolAt(0));
        Assert.False(table.TryGetIndex("SOLUSDT"u8, out _));
    }

    [Fact]
    public void SymbolTable_UpsertKnownSymbol_KeepsIndexReplacesTick()
    {
        var table = new SymbolTable();
        var first = table.Upsert(new Symbol("BTCUSDT"), TickSize.FromDecimal(0.1m));
        table.Upsert(new Symbol("ETHUSDT"), TickSize.FromDecimal(0.01m));

        var again = table.Upsert(new Symbol("BTCUSDT"), TickSize.FromDecimal(0.5m));

        Assert.Equal(first, again);
        Assert.Equal(2, table.Count);
        Assert.Equal(TickSize.FromDecimal(0.5m), table.TickSizeAt(first));
        Assert.True("BTCUSDT"u8.SequenceEqual(table.Utf8At(first)));
    }

    [Fact]
    public void SymbolTable_LookupFromBytes_AllocatesNothing()
    {
        var table = new SymbolTable();
        table.Upsert(new Symbol("BTCUSDT"), TickSize.FromDecimal(0.1m));
        var message = "xxBTCUSDTxx"u8.ToArray();
        table.TryGetIndex(message.AsSpan(2, 7), out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var found = 0;
        for (var i = 0; i < 1_000; i++)
        {
            found += table.TryGetIndex(message.AsSpan(2, 7), out var index) ? index + 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1_000, found);
    }

    [Fact]
    public void AccountTable_GetOrAdd_DenseSlotsInFirstSeenOrder()
    {
        var table = new AccountTable();

        var a = table.GetOrAdd("A-1"u8);
        var b = table.GetOrAdd(new AccountId("B-2"));
        var again = table.GetOrAdd("A-1"u8);

        Assert.Equal((0, 1, 0), (a, b, again));
        Assert.Equal(new AccountId("B-2"), table.IdAt(b));
        Assert.True("A-1"u8.SequenceEqual(table.Utf8At(a)));
        Assert.True(table.TryGetSlot("B-2"u8, out var slot) && slot == b);
        Assert.False(table.TryGetSlot("C-3"u8, out _));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void AccountTable_KnownAccount_AllocatesNothing()
    {
        var table = new AccountTable();
        table.GetOrAdd("acct-0001"u8);
        var bytes = "acct-0001"u8.ToArray();
        table.GetOrAdd(bytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            table.GetOrAdd(bytes);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AccountTable_InvalidUtf8OrEmpty_Refused()
    {
        var table = new AccountTable();

        Assert.Throws<ArgumentException>(() => table.GetOrAdd(new byte[] { 0xC3 }));
        Assert.Throws<ArgumentException>(() => table.GetOrAdd(ReadOnlySpan<byte>.Empty));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void AccountSequences_Accept_StrictlyIncreasingPerAccount()
    {
        var sequences = new AccountSequences(expectedAccounts: 2);

        Assert.True(sequences.Accept(0, 5));
        Assert.True(sequences.Accept(0, 6));
        Assert.False(sequences.Accept(0, 6));
        Assert.False(sequences.Accept(0, 3));
        Assert.True(sequences.Accept(1, 1));
        Assert.True(sequences.Accept(0, 100));
        Assert.Equal(100, sequences.LastOf(0));
        Assert.Equal(1, sequences.LastOf(1));
    }

    [Fact]
    public void AccountSequences_SlotBeyondCapacity_Grows()
    {
        var sequences = new AccountSequences(expectedAccounts: 1);

        Assert.True(sequences.Accept(1_000, 0));
        Assert.False(sequences.Accept(1_000, 0));
        Assert.Equal(AccountSequences.None, sequences.LastOf(999));
        Assert.Equal(AccountSequences.None, sequences.LastOf(5_000));
        Assert.True(sequences.Accept(999, 0));
    }

    [Fact]
    public void AccountSequences_Forget_AcceptsAnySequenceAgain()
    {
        var sequences = new AccountSequences();
        sequences.Accept(3, 10);

        sequences.Forget(3);

        Assert.Equal(AccountSequences.None, sequences.LastOf(3));
        Assert.True(sequences.Accept(3, 1));
    }

    [Fact]
    public void Contracts_ReferencesNoKafkaOrRedisClient()
    {
        var references = typeof(WireDecoder).Assembly.GetReferencedAssemblies();

        Assert.DoesNotContain(references, r => r.Name is "Confluent.Kafka" or "StackExchange.Redis");
        Assert.Equal("StreamRisk.Contracts", typeof(DeadLetter).Assembly.GetName().Name);
        Assert.DoesNotContain(
            typeof(DeadLetter).GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance),
            m => m.ReturnType.Namespace?.StartsWith("Confluent", StringComparison.Ordinal) == true);
    }
}
