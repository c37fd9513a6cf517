using Timely.Communication;
using Timely.Dataflow.Synchronization;

namespace Timely.Dataflow.Tests.Synchronization;

/// <summary>
/// timely's <c>Sequencer</c>: every worker pushes, and every worker reads every worker's
/// elements in one order, the same on all of them.
/// </summary>
public sealed class SequencerTests
{
    private const int Pushes = 20;

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    public static TheoryData<string, int> Configurations() => new()
    {
        { "thread", 1 },
        { "process", 2 },
        { "process", 3 },
        { "binary", 2 },
    };

    private static Config ConfigOf(string kind, int workers) => kind switch
    {
        "thread" => Config.Thread,
        "process" => Config.Process(workers),
        _ => Config.ProcessBinary(workers),
    };

    /// <summary>
    /// Runs <paramref name="push"/> on every worker with the sequencer <paramref name="create"/>
    /// makes, then closes it, steps to the end and returns what each worker read, in worker order.
    /// </summary>
    private static Task<List<string>[]> Run(Config config, Func<Worker, Sequencer<string>> create, Action<Worker, Sequencer<string>, List<string>> push) =>
        Task.Run(() => Execute.Run(config, worker =>
        {
            var sequencer = create(worker);
            var read = new List<string>();
            push(worker, sequencer, read);
            sequencer.Close();
            while (worker.StepOrPark(null))
            {
                Drain(sequencer, read);
            }

            Drain(sequencer, read);
            return read;
        })).WaitAsync(Guard);

    private static void Drain(Sequencer<string> sequencer, List<string> read)
    {
        while (sequencer.TryNext(out string? element))
        {
            read.Add(element);
        }
    }

    private static string Element(int worker, int push) => $"worker {worker}, push {push}";

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Every_worker_reads_every_element_in_the_same_order(string kind, int workers)
    {
        var read = await Run(ConfigOf(kind, workers), worker => new Sequencer<string>(worker), (worker, sequencer, read) =>
        {
            for (int i = 0; i < Pushes; i++)
            {
                sequencer.Push(Element(worker.Index, i));
                Drain(sequencer, read);
                worker.Step();
            }
        });

        Assert.Equal(workers, read.Length);
        var expected = Enumerable.Range(0, workers).SelectMany(w => Enumerable.Range(0, Pushes).Select(i => Element(w, i)));
        Assert.Equal(expected.Order(StringComparer.Ordinal), read[0].Order(StringComparer.Ordinal));
        Assert.All(read, r => Assert.Equal(read[0], r));
        for (int w = 0; w < workers; w++)
        {
            // One worker's elements keep the order it pushed them in.
            string prefix = $"worker {w},";
            Assert.Equal(Enumerable.Range(0, Pushes).Select(i => Element(w, i)), read[0].Where(e => e.StartsWith(prefix, StringComparison.Ordinal)));
        }
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task A_logical_clock_orders_by_time_then_worker_then_push(string kind, int workers)
    {
        // Each worker stamps round r's two pushes with time r, so the sequence is round-major.
        int rounds = 6;
        var round = new ulong[workers];
        var read = await Run(ConfigOf(kind, workers), worker => new Sequencer<string>(worker, () => round[worker.Index]), (worker, sequencer, read) =>
        {
            for (int r = 0; r < rounds; r++)
            {
                round[worker.Index] = (ulong)r;
                sequencer.Push($"r{r} w{worker.Index} a");
                sequencer.Push($"r{r} w{worker.Index} b");
                Drain(sequencer, read);
                worker.Step();
            }
        });

        var expected = Enumerable.Range(0, rounds).SelectMany(r => Enumerable.Range(0, workers).SelectMany(w => new[] { $"r{r} w{w} a", $"r{r} w{w} b" }));
        Assert.All(read, r => Assert.Equal(expected, r));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task A_worker_that_never_pushes_does_not_hold_the_others_back(int workers)
    {
        // Only worker 0 pushes; every worker steps until it has read the element. The idle workers'
        // sources run only when their sinks wake them, and must then move their clocks past it.
        var read = await Run(Config.Process(workers), worker => new Sequencer<string>(worker), (worker, sequencer, read) =>
        {
            if (worker.Index == 0)
            {
                sequencer.Push("only");
            }

            while (read.Count == 0)
            {
                worker.Step();
                Drain(sequencer, read);
            }
        });

        Assert.All(read, r => Assert.Equal(["only"], r));
    }

    [Fact]
    public async Task Preloaded_elements_come_first_and_only_on_their_worker()
    {
        var read = await Run(
            Config.Process(2),
            worker => new Sequencer<string>(worker, () => 0, worker.Index == 0 ? ["preloaded"] : []),
            (worker, sequencer, _) => sequencer.Push($"pushed by {worker.Index}"));

        Assert.Equal(["preloaded", "pushed by 0", "pushed by 1"], read[0]);
        Assert.Equal(["pushed by 0", "pushed by 1"], read[1]);
    }

    [Fact]
    public async Task The_worker_closes_its_sequencer_when_its_logic_returns()
    {
        // No Close: the sequencer is closed with the worker's inputs, as Rust drops it at the end of
        // the worker's closure, so the run completes and the pushed elements are still sent.
        var sequencers = new Sequencer<int>[2];
        await Task.Run(() => Execute.Run(Config.Process(2), worker =>
        {
            var sequencer = sequencers[worker.Index] = new Sequencer<int>(worker);
            sequencer.Push(worker.Index);
        })).WaitAsync(Guard);

        foreach (var sequencer in sequencers)
        {
            var read = new List<int>();
            while (sequencer.TryNext(out int element))
            {
                read.Add(element);
            }

            Assert.Equal([0, 1], read.Order());
        }
    }

    [Fact]
    public void A_closed_sequencer_refuses_pushes()
    {
        Execute.Directly(worker =>
        {
            var sequencer = new Sequencer<string>(worker);
            sequencer.Dispose();
            sequencer.Close();
            Assert.Throws<InvalidOperationException>(() => sequencer.Push("late"));
        });
    }
}
