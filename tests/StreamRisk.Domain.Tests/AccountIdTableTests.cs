using System.Text;
using CsCheck;

namespace StreamRisk.Domain.Tests;

/// <summary>
/// The account id table against a dictionary of the same ids over generated id streams — short, long, non-ASCII ones,
/// and with hashes cut to a few bits so that nearly every probe collides: same slots in first-seen order, same bytes and
/// strings back, unknown ids not found.
/// </summary>
public sealed class AccountIdTableTests
{
    private static readonly Gen<string> Id = Gen.OneOf(
        Gen.String[Gen.Char["abc-0123456789"], 1, 12],
        Gen.String[Gen.Char.AlphaNumeric, 1, 300],
        // Non-ASCII: accents, CJK, emoji (surrogate pairs), all valid UTF-8 once encoded.
        Gen.Select(Gen.Int[1, 6].Array[1, 40], runes => string.Concat(runes.Select(r => r switch
        {
            1 => "é",
            2 => "账户",
            3 => "🦊",
            4 => "Ω",
            5 => "a",
            _ => "\u0301",
        }))));

    [Fact]
    public void GeneratedIds_MatchADictionary_WhateverTheHashes()
    {
        Gen.Select(Id.Array[1, 400], Gen.Int[0, 3], Gen.Int[0, 1_000]).Sample(t =>
        {
            var (ids, hashChoice, seed) = t;
            var table = new AccountIdTable(hashBits: hashChoice switch { 0 => 0, 1 => 3, 2 => 12, _ => 32 });
            var reference = new Dictionary<string, int>(StringComparer.Ordinal);
            var order = new List<string>();
            var random = new Random(seed);
            foreach (var id in ids)
            {
                // Added by bytes or by string, at random: both resolve to one slot.
                var slot = random.Next(2) == 0 ? table.GetOrAdd(Encoding.UTF8.GetBytes(id)) : table.GetOrAdd(id);
                if (!reference.TryGetValue(id, out var expected))
                {
                    reference[id] = expected = order.Count;
                    order.Add(id);
                }

                Assert.Equal(expected, slot);
            }

            Assert.Equal(order.Count, table.Count);
            for (var slot = 0; slot < order.Count; slot++)
            {
                Assert.Equal(new AccountId(order[slot]), table.IdAt(slot));
                Assert.True(Encoding.UTF8.GetBytes(order[slot]).AsSpan().SequenceEqual(table.Utf8At(slot)));
                Assert.True(table.TryGetSlot(order[slot], out var found) && found == slot);
                Assert.True(table.TryGetSlot(Encoding.UTF8.GetBytes(order[slot]), out found) && found == slot);
            }

            // Ids it never saw: a prefix, an extension, a neighbour.
            foreach (var id in order.Take(20))
            {
                foreach (var other in new[] { id + "x", id[..^1], "#" + id })
                {
                    Assert.Equal(reference.TryGetValue(other, out var expected), table.TryGetSlot(other, out var found));
                    Assert.Equal(reference.ContainsKey(other) ? expected : -1, found);
                }
            }
        }, iter: 500);
    }

    [Fact]
    public void IdsWithLoneSurrogates_AreRefused_NotMergedIntoOneReplacementCharacter()
    {
        var table = new AccountIdTable();
        // UTF-8 would encode both as EF BF BD: two accounts would become one.
        Assert.Throws<ArgumentException>(() => table.GetOrAdd("acct-\ud800"));
        Assert.Throws<ArgumentException>(() => table.GetOrAdd("acct-\udfff"));
        Assert.False(table.TryGetSlot("acct-\ud800", out _));
        Assert.Equal(0, table.Count);
        Assert.Equal(0, table.GetOrAdd("acct-\ud83d\ude00")); // a surrogate pair is well-formed text
        Assert.True(table.TryGetSlot("acct-\ud83d\ude00", out var slot));
        Assert.Equal((0, "acct-\ud83d\ude00"), (slot, table.IdAt(0).Value));
    }

    [Fact]
    public void ManyAccounts_SlotsDenseAndBytesIntact()
    {
        var table = new AccountIdTable();
        for (var i = 0; i < 200_000; i++)
        {
            Assert.Equal(i, table.GetOrAdd($"acct-{i:D7}"));
        }

        for (var i = 0; i < 200_000; i += 997)
        {
            Assert.Equal($"acct-{i:D7}", table.IdAt(i).Value);
            Assert.True(table.TryGetSlot(Encoding.UTF8.GetBytes($"acct-{i:D7}"), out var slot) && slot == i);
        }

        // Arena, offsets, hashes and the open-addressing table: well under the ~150 bytes a string, key array and
        // dictionary entry cost an account.
        Assert.True(table.Bytes < 200_000 * 48, $"{table.Bytes:N0} bytes");
    }

    [Fact]
    public void IdAt_SameAccountsAgain_AllocatesNothing_KnownIdsByStringNeither()
    {
        var table = new AccountIdTable();
        for (var i = 0; i < 5_000; i++)
        {
            table.GetOrAdd($"acct-{i}");
        }

        var named = Enumerable.Range(0, 200).Select(i => i * 17).ToArray();
        var ids = named.Select(i => $"acct-{i}").ToArray();
        foreach (var slot in named)
        {
            table.IdAt(slot);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var found = 0;
        for (var round = 0; round < 50; round++)
        {
            foreach (var slot in named)
            {
                found += table.IdAt(slot).Value.Length > 0 ? 1 : 0;
            }

            foreach (var id in ids)
            {
                found += table.TryGetSlot(id, out _) ? 1 : 0;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(50 * 400, found);
    }

    [Fact]
    public void GetOrAdd_EmptyOrInvalidUtf8_Refused()
    {
        var table = new AccountIdTable();

        Assert.Throws<ArgumentException>(() => table.GetOrAdd(ReadOnlySpan<byte>.Empty));
        Assert.Throws<ArgumentException>(() => table.GetOrAdd(new byte[] { 0xC3 }));
        Assert.Throws<ArgumentException>(() => table.GetOrAdd(string.Empty));
        Assert.Equal(0, table.Count);
    }
}
