using FsCheck;
using FsCheck.Fluent;
using Timely.Communication;
using Timely.Communication.Fabrics;
using Timely.Communication.Startup;
using Timely.Dataflow;
using Timely.Dataflow.Operators;

namespace Timely.PropTests.Dataflow;

/// <summary>
/// The loop the scheduling properties share: records started on worker 0 go round a feedback loop
/// through an exchange, two workers are stepped in a random order on one thread, and a probe after
/// the loop must never pass a time at which a record still arrives.
/// </summary>
internal sealed class LoopRun
{
    /// <summary>The first failure seen, or null.</summary>
    public string? Failure { get; set; }

    /// <summary>The furthest any probe has been seen: no record may leave the loop before it from then on.</summary>
    public ulong Passed { get; private set; }

    /// <summary>The property: <paramref name="run"/> finds no failure in any shape.</summary>
    public static Property Holds<TShape>(Arbitrary<TShape> shapes, Func<TShape, string?> run) =>
        Prop.ForAll(shapes, shape =>
        {
            string? failure = run(shape);
            return (failure is null).Label(failure ?? "");
        });

    /// <summary>Two workers of one process, to be stepped in turn on this thread.</summary>
    public static Worker[] TwoWorkers()
    {
        var fabric = new ProcessFabric(new WorkerGroup(2));
        return [new Worker(new ProcessAllocator(fabric, 0, 0)), new Worker(new ProcessAllocator(fabric, 1, 0))];
    }

    /// <summary>
    /// The model: record r enters at time 0 and is seen at the exchange at 0, s, 2s, ... up to the
    /// first time at or past the rounds, with value r + pass; sorted.
    /// </summary>
    public static List<(ulong Time, ulong Value)> Expected(int records, int rounds, int summary)
    {
        var expected = new List<(ulong, ulong)>();
        for (int r = 0; r < records; r++)
        {
            ulong time = 0;
            for (ulong pass = 0; ; pass++, time += (ulong)summary)
            {
                expected.Add((time, (ulong)r + pass));
                if (time >= (ulong)rounds)
                {
                    break;
                }
            }
        }

        expected.Sort();
        return expected;
    }

    /// <summary>Closes the loop (the next pass while the time is under the rounds) and probes what leaves it, recording each exit in <paramref name="exited"/>.</summary>
    public ProbeHandle<ulong> CloseLoop(Stream<ulong, ulong> stream, FeedbackHandle<ulong, ulong> handle, int rounds, int worker, List<(ulong Time, ulong Value)> exited)
    {
        var (done, loop) = stream.Map(x => x + 1).BranchWhen(t => t < (ulong)rounds);
        loop.ConnectLoop(handle);
        return done.InspectTime((t, x) =>
        {
            exited.Add((t, x));
            if (t < Passed)
            {
                Failure ??= $"record {x} at time {t} arrived at worker {worker} after a probe had passed {Passed}";
            }
        }).Probe();
    }

    /// <summary>One turn: steps both workers, the first as <paramref name="order"/> says for <paramref name="turn"/>, and reads their probes; whether either still has a dataflow.</summary>
    public bool Turn(Worker[] workers, ProbeHandle<ulong>[] probes, bool[] order, int turn)
    {
        int first = order[turn % order.Length] ? 1 : 0;
        bool live = false;
        foreach (int w in new[] { first, 1 - first })
        {
            live |= workers[w].Step();
            var frontier = probes[w].Frontier();
            Passed = Math.Max(Passed, frontier.Length == 0 ? ulong.MaxValue : frontier.Min());
        }

        return live;
    }

    /// <summary>Disposes the workers' allocators; the first failure, a loop that did not complete, or records seen at the exchange other than the model's; null when none.</summary>
    public string? Finish(Worker[] workers, bool live, int turns, List<(ulong Time, ulong Value)> seen, List<(ulong Time, ulong Value)> expected)
    {
        foreach (var worker in workers)
        {
            worker.Allocator.Dispose();
        }

        if (Failure is not null)
        {
            return Failure;
        }

        if (live)
        {
            return $"not complete after {turns} turns";
        }

        var got = seen.Order().ToList();
        return got.SequenceEqual(expected) ? null : $"seen [{string.Join(",", got)}], model [{string.Join(",", expected)}]";
    }

    /// <summary>A failure naming the worker on which <paramref name="what"/> ran twice in one step (a run recorded twice in its list), or null.</summary>
    public static string? RanTwice<TRun>(List<TRun>[] runs, string what)
    {
        for (int w = 0; w < runs.Length; w++)
        {
            if (runs[w].Count != runs[w].Distinct().Count())
            {
                return $"worker {w}: {what} ran twice in one step ([{string.Join(",", runs[w])}])";
            }
        }

        return null;
    }
}
