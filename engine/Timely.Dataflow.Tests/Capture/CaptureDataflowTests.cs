using Timely.Communication;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;

namespace Timely.Dataflow.Tests.Capture;

/// <summary>
/// The golden dataflows run here: the capture operator must write the bytes Rust timely wrote,
/// and replaying the golden files must extract what Rust's replay extracted.
/// </summary>
public class CaptureDataflowTests
{
    private static Config Workers(int count) => count == 1 ? Config.Thread : Config.Process(count);

    /// <summary>Runs <paramref name="build"/> on each worker, capturing into an EventWriter over a MemoryStream per worker.</summary>
    private static byte[][] CaptureBytes<TData>(int workers, Func<Scope<ulong>, Stream<ulong, TData>> build) =>
        Execute.Run(Workers(workers), worker =>
        {
            var bytes = new MemoryStream();
            var writer = new EventWriter<ulong, TData>(bytes, leaveOpen: true);
            worker.Dataflow<ulong>(scope => build(scope).CaptureInto(writer));
            while (worker.Step())
            {
            }

            writer.Dispose();
            return bytes.ToArray();
        });

    private static void AssertGolden(string @case, int workers, byte[][] actual)
    {
        Assert.Equal(workers, actual.Length);
        for (int w = 0; w < workers; w++)
        {
            byte[] expected = File.ReadAllBytes(Path.Combine(GoldenFiles.Directory, $"{@case}.w{workers}.{w}.bin"));
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual[w]));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void U64s_capture_writes_the_golden_bytes(int workers) =>
        AssertGolden("u64s", workers, CaptureBytes(workers, scope => Enumerable.Range(0, 10).Select(i => (ulong)i).ToStream(scope)));

    [Fact]
    public void Strings_capture_writes_the_golden_bytes() =>
        AssertGolden("strings", 1, CaptureBytes(1, scope => Enumerable.Range(0, 5).Select(i => $"hello, {i}").ToStream(scope)));

    [Fact]
    public void Empty_input_closed_at_once_writes_the_golden_bytes() =>
        AssertGolden("empty", 1, CaptureBytes(1, scope =>
        {
            var (input, stream) = scope.NewInput<ulong, ulong>();
            input.Close();
            return stream;
        }));

    public static TheoryData<string, int, int> ReplayCases() => new()
    {
        { "u64s", 1, 1 }, { "u64s", 1, 3 }, { "u64s", 2, 1 }, { "u64s", 2, 2 }, { "u64s", 2, 3 },
        { "strings", 1, 1 }, { "strings", 1, 2 }, { "empty", 1, 1 }, { "empty", 1, 2 },
    };

    /// <summary>Every worker file of a case, replayed on <paramref name="replayWorkers"/> workers, extracts to the golden replay.txt.</summary>
    [Theory]
    [MemberData(nameof(ReplayCases))]
    public void Replaying_the_golden_files_extracts_the_golden_result(string @case, int capturedWorkers, int replayWorkers)
    {
        string[] files = Enumerable.Range(0, capturedWorkers)
            .Select(w => Path.Combine(GoldenFiles.Directory, $"{@case}.w{capturedWorkers}.{w}.bin")).ToArray();
        string[] expected = File.ReadAllLines(Path.Combine(GoldenFiles.Directory, $"{@case}.w{capturedWorkers}.replay.txt"));
        List<string> actual = @case == "strings" ? ReplayFiles<string>(files, replayWorkers) : ReplayFiles<ulong>(files, replayWorkers);
        Assert.Equal(expected, actual);
    }

    /// <summary>Replays <paramref name="files"/> on <paramref name="workers"/> workers; checks every replayed stream (complete) and returns what Extract gives, as lines.</summary>
    internal static List<string> ReplayFiles<TData>(string[] files, int workers) => ReplayFiles<ulong, TData>(files, workers);

    /// <summary><see cref="ReplayFiles{TData}"/> for captures of any time type (Product times among them).</summary>
    internal static List<string> ReplayFiles<T, TData>(string[] files, int workers)
    {
        var queues = Execute.Run(Workers(workers), worker =>
        {
            var readers = files.OwnedBy(worker).Select(f => new EventReader<T, TData>(File.OpenRead(f))).ToList();
            var queue = worker.Dataflow<T, CaptureQueue<T, TData>>(scope => readers.ReplayInto(scope).Capture());
            while (worker.Step())
            {
            }

            readers.ForEach(r => r.Dispose());
            return queue;
        });

        var streams = queues.Select(q => q.Drain()).ToList();
        foreach (var events in streams)
        {
            Assert.Null(CaptureProtocol.FindViolation(events, complete: true));
        }

        return streams.SelectMany(events => events).Extract().ToDebugLines().ToList();
    }
}
