using Timely.Communication;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests;

/// <summary>Handles that belong to a worker's thread refuse another thread with a clear exception instead of racing.</summary>
public sealed class WorkerBoundHandleTests
{
    [Fact]
    public void An_input_handle_used_from_another_thread_throws_naming_both_threads()
    {
        var input = InputHandle.Create<int>();
        Exception? error = null;
        Execute.Run(Config.Thread, worker =>
        {
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Probe());
            var other = new Thread(() => error = Record.Exception(() => input.AdvanceTo(1)));
            other.Start();
            other.Join();
        });
        var e = Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("belongs to worker 0", e.Message, StringComparison.Ordinal);
        Assert.Contains("used from thread", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Records_sent_from_another_thread_are_refused_at_the_latest_when_their_batch_fills()
    {
        var input = InputHandle.Create<int>();
        Exception? error = null;
        Execute.Run(Config.Thread, worker =>
        {
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Probe());
            var other = new Thread(() => error = Record.Exception(() =>
            {
                for (int i = 0; i < 100_000; i++)
                {
                    input.Send(i);
                }
            }));
            other.Start();
            other.Join();
        });
        Assert.Contains("belongs to worker 0", Assert.IsType<InvalidOperationException>(error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_probe_read_from_another_thread_throws()
    {
        Exception? error = null;
        Execute.Run(Config.Thread, worker =>
        {
            var probe = worker.Dataflow(scope => Enumerable.Repeat(1, 1).ToStream(scope).Probe());
            var other = new Thread(() => error = Record.Exception(() => probe.LessThan(1)));
            other.Start();
            other.Join();
        });
        Assert.Contains("belongs to worker 0", Assert.IsType<InvalidOperationException>(error).Message, StringComparison.Ordinal);
    }
}
