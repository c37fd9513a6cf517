using System.Collections.Concurrent;
using System.Threading.Channels;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Config = Timely.Communication.Config;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// The async boundaries and the key-typed exchanges over random inputs and worker counts: what
/// goes into a channel source comes out of a channel sink once each, at the time the caller gave
/// it; an integer key of any width routes as its bits do as a <see cref="ulong"/>; equal keys of
/// <c>ExchangeBy</c> meet on one worker, and its hash depends on the key's content only.
/// </summary>
public sealed class AsyncBoundaryProperties
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private static Config ConfigFor(int workers) => workers == 1 ? Config.Thread : Config.Process(workers);

    /// <summary>Records as (time step, value): times are the running sum of the steps, so they never go back.</summary>
    private static Arbitrary<((int Step, int Value)[] Records, int Workers)> Inputs() =>
        Gen.Zip(Gen.Zip(Gen.Choose(0, 2), Gen.Choose(-1000, 1000)).ArrayOf(), Gen.Choose(1, 3)).ToArbitrary();

    [Property(MaxTest = 30)]
    public Property A_channel_source_and_sink_carry_every_record_once_at_its_time() =>
        Prop.ForAll(Inputs(), input =>
        {
            var (records, workers) = input;
            ulong time = 0;
            var timed = records.Select(r => (Time: time += (ulong)r.Step, r.Value)).ToArray();
            var source = Channel.CreateUnbounded<(ulong Time, int Value)>();
            var sink = Channel.CreateUnbounded<(ulong Time, int Record)>();
            foreach (var r in timed)
            {
                Assert.True(source.Writer.TryWrite(r));
            }

            source.Writer.Complete();
            Assert.True(Execute.RunAsync(ConfigFor(workers), worker =>
                worker.Dataflow<ulong>(scope => scope
                    .SourceFrom(source.Reader, r => r.Time)
                    .Exchange(r => r.Value)
                    .Map(r => r.Value)
                    .WriteTo(sink.Writer))).Wait(Guard));
            sink.Writer.Complete();

            var written = new List<(ulong Time, int Record)>();
            while (sink.Reader.TryRead(out var item))
            {
                written.Add(item);
            }

            return written.Order().SequenceEqual(timed.Select(r => (r.Time, r.Value)).Order());
        });

    [Property(MaxTest = 20)]
    public Property An_int_key_routes_each_record_where_its_bits_as_a_ulong_do(int[] keys) =>
        Prop.ForAll(Gen.Choose(2, 3).ToArbitrary(), workers =>
        {
            var placed = new ConcurrentBag<(int Key, int ByInt, int ByBits)>();
            Execute.Run(Config.Process(workers), worker =>
            {
                var input = new InputHandle<ulong, int>();
                var bits = new InputHandle<ulong, int>();
                worker.Dataflow<ulong>(scope =>
                {
                    scope.InputFrom(input).Exchange(k => k).Inspect(k => placed.Add((k, worker.Index, -1)));
                    scope.InputFrom(bits).Exchange(k => (ulong)(long)k).Inspect(k => placed.Add((k, -1, worker.Index)));
                });
                if (worker.Index == 0)
                {
                    foreach (int k in keys)
                    {
                        input.Send(k);
                        bits.Send(k);
                    }
                }
            });

            var intWorker = placed.Where(p => p.ByInt >= 0).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Select(p => p.ByInt).Distinct().ToArray());
            var bitsWorker = placed.Where(p => p.ByBits >= 0).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Select(p => p.ByBits).Distinct().ToArray());
            return placed.Count == 2 * keys.Length &&
                intWorker.All(kv => kv.Value.Length == 1 && bitsWorker[kv.Key].SequenceEqual(kv.Value));
        });

    [Property(MaxTest = 20)]
    public Property Equal_string_keys_meet_on_one_worker(string[] keys) =>
        Prop.ForAll(Gen.Choose(2, 3).ToArbitrary(), workers =>
        {
            var present = keys.Where(k => k is not null).ToArray();
            var placed = new ConcurrentBag<(string Key, int Worker)>();
            Execute.Run(Config.Process(workers), worker =>
            {
                var input = new InputHandle<ulong, string>();
                worker.Dataflow<ulong>(scope => scope.InputFrom(input).ExchangeBy(k => k).Inspect(k => placed.Add((k, worker.Index))));
                foreach (string k in present)
                {
                    input.Send(k);   // every worker sends every key: its copies must meet
                }
            });

            return placed.Count == present.Length * workers &&
                placed.GroupBy(p => p.Key, StringComparer.Ordinal).All(g => g.Select(p => p.Worker).Distinct().Count() == 1);
        });

    [Property]
    public bool The_key_hash_depends_on_the_content_only(string key) =>
        key is null || StableKeyHash<string, string>.Of(key) == StableKeyHash<string, string>.Of(new string(key.AsSpan()));
}
