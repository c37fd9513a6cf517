using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Config = Timely.Communication.Config;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// <c>ToStream</c> over an array, a list and a lazy sequence of the same items, on one to three
/// workers: each worker's records arrive at time 0 in the order given, in the batches one
/// <c>Give</c> per record would make (full batches, the rest last), whatever the collection's kind.
/// </summary>
public sealed class ToStreamProperties
{
    [Property(MaxTest = 60)]
    public Property Every_kind_of_collection_arrives_whole_in_order_at_time_zero()
    {
        // Sizes around the batch size, where a span is split, and small ones.
        var size = Gen.OneOf(Gen.Choose(0, 40), Gen.Choose(1000, 3200));
        var cases = Gen.Zip(Gen.Zip(size, Gen.Choose(0, int.MaxValue)), Gen.Zip(Gen.Choose(1, 3), Gen.Elements("array", "list", "lazy")));
        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var ((count, seed), (workers, kind)) = c;
            var batches = new ConcurrentDictionary<int, List<(ulong Time, long[] Records)>>();
            var given = new ConcurrentDictionary<int, long[]>();
            Execute.Run(workers == 1 ? Config.Thread : Config.Process(workers), worker =>
            {
                var random = new Random(seed + worker.Index);
                var items = Enumerable.Range(0, count).Select(_ => random.NextInt64()).ToArray();
                given[worker.Index] = items;
                IEnumerable<long> source = kind switch
                {
                    "array" => items,
                    "list" => items.ToList(),
                    _ => items.Select(x => x),
                };
                var seen = batches.GetOrAdd(worker.Index, _ => []);
                worker.Dataflow<ulong>(scope =>
                {
                    source.ToStream(scope).InspectBatch((time, data) => seen.Add((time, data.ToArray())));
                });
            });

            int batch = Timely.Dataflow.Channels.Message<ulong, long>.BatchSize;
            return Enumerable.Range(0, workers).All(w =>
            {
                var seen = batches.GetValueOrDefault(w) ?? [];
                var sizes = seen.Select(b => b.Records.Length).ToArray();
                var expectedSizes = Enumerable.Repeat(batch, count / batch).Concat(count % batch == 0 ? [] : [count % batch]);
                return seen.All(b => b.Time == 0)
                    && seen.SelectMany(b => b.Records).SequenceEqual(given[w])
                    && sizes.SequenceEqual(expectedSizes);
            }).Label($"{count} items as {kind} on {workers} worker(s)");
        });
    }
}
