using System.Collections.Concurrent;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Dataflow;
using Timely.Dataflow.Operators;
using Config = Timely.Communication.Config;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// Flow control cannot deadlock and loses nothing: for any bound on an input (times past its
/// probe, overflow bytes, both or none), any overflow budget of the job, one or two workers over
/// typed or byte channels (small rings, so queues spill), a dataflow whose records go round a
/// loop that feeds back into itself a random number of times ends, and every record leaves the
/// loop exactly once, having gone round as often as it should.
/// </summary>
public sealed class FlowControlProperties
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    /// <summary>One run's shape.</summary>
    public sealed record Case(int Workers, bool Binary, int? MaxTimes, long? MaxBytes, long? Budget, int Times, int PerTime, int Rounds);

    private static Arbitrary<Case> Cases() =>
        (from workers in Gen.Choose(1, 2)
         from binary in Gen.Elements(false, true)
         from maxTimes in Gen.OneOf(Gen.Constant((int?)null), Gen.Choose(0, 3).Select(t => (int?)t))
         from maxBytes in Gen.OneOf(Gen.Constant((long?)null), Gen.Choose(1, 8192).Select(b => (long?)b))
         from budget in Gen.OneOf(Gen.Constant((long?)null), Gen.Choose(1, 65536).Select(b => (long?)b))
         from times in Gen.Choose(1, 8)
         from perTime in Gen.Choose(0, 300)
         from rounds in Gen.Choose(0, 3)
         select new Case(workers, binary, maxTimes, maxBytes, budget, times, perTime, rounds)).ToArbitrary();

    [Property(MaxTest = 40)]
    public Property No_bound_deadlocks_a_loop_and_every_record_leaves_it_once() =>
        Prop.ForAll(Cases(), c =>
        {
            var config = (c.Binary ? Config.ProcessBinary(c.Workers) with { RingBytes = 4096 } : Config.Process(c.Workers))
                with { OverflowBudgetBytes = c.Budget };
            var left = new ConcurrentBag<(ulong Id, int Passes)>();
            var run = Task.Run(() => Execute.Run(config, worker =>
            {
                var input = new InputHandle<ulong, (ulong Id, int Passes)>();
                var probe = new ProbeHandle<ulong>();
                worker.Dataflow<ulong>(scope =>
                {
                    var (handle, cycle) = scope.Feedback<ulong, (ulong Id, int Passes)>(1);
                    var (done, again) = scope.InputFrom(input)
                        .Concat(cycle)
                        .Exchange(r => r.Id)
                        .Map(r => (r.Id, Passes: r.Passes + 1))
                        .Branch((_, r) => r.Passes <= c.Rounds);
                    again.ConnectLoop(handle);
                    done.Exchange(r => r.Id / 7).Inspect(left.Add).ProbeWith(probe);
                });
                input.Bound = (c.MaxTimes, c.MaxBytes) switch
                {
                    (null, null) => null,
                    (null, long bytes) => new SourceBound<ulong>(bytes),
                    (int times, var bytes) => new SourceBound<ulong>(probe, times, bytes ?? long.MaxValue),
                };
                for (int t = 0; t < c.Times; t++)
                {
                    for (int i = 0; i < c.PerTime; i++)
                    {
                        input.Send((Id(c, worker.Index, t, i), 0));
                    }

                    input.AdvanceTo((ulong)t + 1);
                }

                return 0;
            }));
            if (!run.Wait(Guard))
            {
                return false.Label($"the run did not end within {Guard.TotalSeconds} s: {c}");
            }

            var expected = Enumerable.Range(0, c.Workers)
                .SelectMany(w => Enumerable.Range(0, c.Times).SelectMany(t => Enumerable.Range(0, c.PerTime).Select(i => Id(c, w, t, i))))
                .Order();
            return (left.Select(r => r.Id).Order().SequenceEqual(expected) && left.All(r => r.Passes == c.Rounds + 1)).Label($"{c}: {left.Count} records left the loop");
        });

    private static ulong Id(Case c, int worker, int time, int i) => (ulong)((((worker * c.Times) + time) * c.PerTime) + i);
}
