using Timely.Communication;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests.Capture;

/// <summary>
/// The capture owns its end (Rust drops the pusher with the operator): when its input is
/// complete it flushes and closes its <see cref="EventWriter{T, TData}"/>, so the two natural
/// programs (a writer with <c>using</c> inside the worker closure, and one without) both leave
/// complete, closed files; a <c>Dispose</c> before completion is deferred to completion.
/// </summary>
public sealed class CaptureEndTests : IDisposable
{
    private const int Rounds = 3;
    private const int RecordsPerRound = 4;

    private readonly string _dir = Directory.CreateTempSubdirectory("timely-capture-end-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Config Workers(int count) => count == 1 ? Config.Thread : Config.Process(count);

    private string PathOf(int worker) => Path.Combine(_dir, $"{worker}.bin");

    /// <summary>Worker w sends round * 100 + i * peers + w for i in 0..4 at time round, exchanged by value, and steps once a round.</summary>
    private static void SendRounds(Worker worker, InputHandle<ulong, ulong> input, Action<int>? afterRound = null)
    {
        for (int round = 0; round < Rounds; round++)
        {
            for (int i = 0; i < RecordsPerRound; i++)
            {
                input.Send(((ulong)round * 100) + ((ulong)i * (ulong)worker.Peers) + (ulong)worker.Index);
            }

            input.AdvanceTo((ulong)round + 1);
            worker.Step();
            afterRound?.Invoke(round);
        }
    }

    /// <summary>Every round's records from every worker: round r holds r * 100 + 0 .. r * 100 + 4 * workers - 1.</summary>
    private static string[] Expected(int workers) => Enumerable.Range(0, Rounds)
        .Select(r => $"({r}, [{string.Join(", ", Enumerable.Range(0, RecordsPerRound * workers).Select(v => (r * 100) + v))}])")
        .ToArray();

    /// <summary>Each file is closed (opening it exclusively succeeds), complete, and all of them replay to every record sent.</summary>
    private void AssertCompleteFiles(int workers)
    {
        string[] files = Enumerable.Range(0, workers).Select(PathOf).ToArray();
        foreach (string file in files)
        {
            using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
            }

            Assert.NotEmpty(CaptureFiles.ReadChecked<ulong, ulong>(file));
        }

        Assert.Equal(Expected(workers), CaptureDataflowTests.ReplayFiles<ulong>(files, workers));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_writer_with_using_inside_the_worker_closure_writes_a_complete_file(int workers)
    {
        Execute.Run(Workers(workers), worker =>
        {
            using var writer = new EventWriter<ulong, ulong>(File.Create(PathOf(worker.Index)));
            var input = new InputHandle<ulong, ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => x).CaptureInto(writer));
            SendRounds(worker, input);
        });

        AssertCompleteFiles(workers);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_writer_without_using_is_closed_by_its_capture_and_the_file_is_complete(int workers)
    {
        Execute.Run(Workers(workers), worker =>
        {
            var writer = new EventWriter<ulong, ulong>(File.Create(PathOf(worker.Index)));
            var input = new InputHandle<ulong, ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => x).CaptureInto(writer));
            SendRounds(worker, input);
        });

        AssertCompleteFiles(workers);
    }

    [Fact]
    public void A_writer_disposed_while_its_dataflow_runs_is_closed_at_completion_with_every_event()
    {
        const int workers = 2;
        Execute.Run(Workers(workers), worker =>
        {
            var writer = new EventWriter<ulong, ulong>(File.Create(PathOf(worker.Index)));
            var input = new InputHandle<ulong, ulong>();
            worker.Dataflow<ulong>(scope => scope.InputFrom(input).Exchange(x => x).CaptureInto(writer));
            SendRounds(worker, input, afterRound: round =>
            {
                if (round == 0)
                {
                    writer.Dispose();   // deferred: the capture still has rounds 1 and 2 to write
                }
            });
            input.Close();
            while (worker.Step())
            {
            }
        });

        AssertCompleteFiles(workers);
    }

    [Fact]
    public void After_the_capture_closed_the_writer_dispose_and_flush_are_no_ops_and_a_push_names_the_file()
    {
        string path = PathOf(0);
        EventWriter<ulong, ulong>? closed = null;
        Execute.Run(Config.Thread, worker =>
        {
            closed = new EventWriter<ulong, ulong>(File.Create(path));
            var writer = closed;
            worker.Dataflow<ulong>(scope => new ulong[] { 1, 2, 3 }.ToStream(scope).CaptureInto(writer));
        });

        Assert.NotNull(closed);
        closed.Dispose();
        closed.Dispose();
        closed.Flush();
        var e = Assert.Throws<ObjectDisposedException>(() => closed.Push(new Event<ulong, ulong>.Messages(0, [1])));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("leaveOpen", e.Message, StringComparison.Ordinal);
        Assert.Equal(["(0, [1, 2, 3])"], CaptureDataflowTests.ReplayFiles<ulong>([path], 1));
    }

    [Fact]
    public void A_leave_open_writer_is_flushed_at_completion_and_its_stream_stays_open()
    {
        var stream = new FlushCountingStream();
        var writer = new EventWriter<ulong, ulong>(stream, leaveOpen: true);
        Execute.Run(Config.Thread, worker =>
            worker.Dataflow<ulong>(scope => new ulong[] { 4, 5 }.ToStream(scope).CaptureInto(writer)));

        Assert.True(stream.Flushes > 0);
        Assert.True(stream.CanWrite);
        int length = (int)stream.Length;
        writer.Push(new Event<ulong, ulong>.Messages(0, [6]));   // still the caller's to use
        Assert.True(stream.Length > length);
        writer.Dispose();
        Assert.True(stream.CanWrite);

        using var reader = new EventReader<ulong, ulong>(new MemoryStream(stream.ToArray()[..length]));
        var events = new List<Event<ulong, ulong>>();
        while (reader.TryNext(out var next))
        {
            events.Add(next);
        }

        Assert.Null(CaptureProtocol.FindViolation(events, complete: true));
        Assert.Equal(["(0, [4, 5])"], events.Extract().ToDebugLines());
    }

    [Fact]
    public void Capturing_into_a_disposed_writer_fails_when_the_dataflow_is_built()
    {
        var writer = new EventWriter<ulong, ulong>(File.Create(PathOf(0)));
        writer.Dispose();
        var e = Assert.Throws<AggregateException>(() => Execute.Run(Config.Thread, worker =>
            worker.Dataflow<ulong>(scope => new ulong[] { 1 }.ToStream(scope).CaptureInto(writer))));
        var disposed = Assert.IsType<ObjectDisposedException>(Assert.Single(e.InnerExceptions));
        Assert.Contains(PathOf(0), disposed.Message, StringComparison.Ordinal);
    }

    /// <summary>A MemoryStream that counts flushes.</summary>
    private sealed class FlushCountingStream : MemoryStream
    {
        public int Flushes { get; private set; }

        public override void Flush()
        {
            Flushes++;
            base.Flush();
        }
    }
}
