using System.Collections.Concurrent;
using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>Exchange by keys that are not <see cref="ulong"/>: any integer type, and a content hash of any equatable key.</summary>
public sealed class ExchangeKeyTests
{
    private static readonly string[] Words = ["a", "bb", "ccc", "dddd", "eeeee"];
    private static readonly long[] Keys = [-1L, -2L, -3L, 7L];

    [Fact]
    public void An_int_key_routes_each_record_to_worker_key_mod_peers()
    {
        var seen = new ConcurrentBag<(int Worker, string Word)>();
        Execute.Run(Config.Process(2), worker =>
            worker.Dataflow<ulong>(scope =>
                (worker.Index == 0 ? Words : []).ToStream(scope)
                    .Exchange(s => s.Length)
                    .Inspect(word => seen.Add((worker.Index, word)))));
        Assert.Equal(5, seen.Count);
        Assert.All(seen, s => Assert.Equal(s.Word.Length % 2, s.Worker));
    }

    [Fact]
    public void A_negative_key_routes_as_the_ulong_of_its_bits()
    {
        var seen = new ConcurrentBag<(int Worker, long Key)>();
        Execute.Run(Config.Process(4), worker =>
            worker.Dataflow<ulong>(scope =>
                (worker.Index == 0 ? Keys : []).ToStream(scope)
                    .Exchange(k => k)
                    .Inspect(k => seen.Add((worker.Index, k)))));
        Assert.All(seen, s => Assert.Equal((int)(unchecked((ulong)s.Key) % 4), s.Worker));
    }

    [Fact]
    public void Equal_keys_meet_on_one_worker()
    {
        var seen = new ConcurrentBag<(int Worker, string Symbol)>();
        var symbols = new[] { "MSFT", "AAPL", "GOOG", "MSFT", "AAPL", "NVDA", "MSFT" };
        Execute.Run(Config.Process(3), worker =>
            worker.Dataflow<ulong>(scope =>
                symbols.ToStream(scope).ExchangeBy(s => s).Inspect(s => seen.Add((worker.Index, s)))));
        Assert.Equal(symbols.Length * 3, seen.Count);
        Assert.All(seen.GroupBy(s => s.Symbol), g => Assert.Single(g.Select(s => s.Worker).Distinct()));
    }

    /// <summary>
    /// The hash is of the content, the same in every process and run (string.GetHashCode is
    /// randomized per process): these values are frozen, so a change that made them differ
    /// between builds would fail here.
    /// </summary>
    [Fact]
    public void The_key_hash_is_frozen_content_not_a_per_process_hash()
    {
        Assert.Equal(9446317471482776881UL, StableKeyHash<string, string>.Of("MSFT"));
        Assert.Equal(StableKeyHash<long, long>.Of(42L), StableKeyHash<long, long>.Of(42L));
        Assert.NotEqual(StableKeyHash<string, string>.Of("MSFT"), StableKeyHash<string, string>.Of("MSFU"));
    }
}
