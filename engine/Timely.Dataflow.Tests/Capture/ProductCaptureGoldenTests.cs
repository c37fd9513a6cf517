using Timely.Communication;
using Timely.Dataflow.Capture;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Tests.Capture;

/// <summary>
/// Captures with <c>Product&lt;u64, u32&gt;</c> times written by Rust timely 0.29: in a root
/// scope of u64 times, each worker's <c>(0..3) + 10 * index</c> entered into an iterative scope of
/// u32 rounds, concatenated with a feedback of summary (0, 1), mapped by +1, filtered to
/// <c>x % 10 &lt; 5</c>, captured inside the iterative scope into a file per worker, and connected
/// back to the feedback. <c>Golden/product/</c> holds the files (<c>product.w{peers}.{index}.bin</c>),
/// what Rust's <c>EventReader</c> printed of each (<c>.events.txt</c>, Rust's <c>{:?}</c>), and what
/// Rust's replay into an iterative scope extracted (<c>replay.w{peers}.txt</c>).
/// </summary>
public class ProductCaptureGoldenTests
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Capture", "Golden", "product");

    public static TheoryData<string> Files() => new(BinFiles());

    private static IEnumerable<string> BinFiles() =>
        System.IO.Directory.GetFiles(Directory, "*.bin").Order(StringComparer.Ordinal).Select(p => Path.GetFileName(p));

    public static TheoryData<int, int> ReplayCases()
    {
        var data = new TheoryData<int, int>();
        foreach (int captured in new[] { 1, 2 })
        {
            foreach (int replay in new[] { 1, 2, 3 })
            {
                data.Add(captured, replay);
            }
        }

        return data;
    }

    [Fact]
    public void Golden_directory_holds_every_case()
    {
        Assert.Equal(["product.w1.0.bin", "product.w2.0.bin", "product.w2.1.bin"], BinFiles());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_back_the_events_rust_printed(string name)
    {
        string path = Path.Combine(Directory, name);
        var expected = File.ReadAllLines(Path.ChangeExtension(path, null) + ".events.txt");
        Assert.NotEmpty(expected);
        Assert.Equal(expected, ReadAll(File.ReadAllBytes(path)).ConvertAll(e => e.ToString()));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Rewriting_the_events_gives_identical_bytes(string name)
    {
        byte[] expected = File.ReadAllBytes(Path.Combine(Directory, name));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(CaptureFormatGoldenTests.Rewrite<Product<ulong, uint>, ulong>(expected)));
    }

    /// <summary>
    /// The same dataflow run here captures the same messages, each at the same time, as a complete
    /// stream. Not byte for byte: the progress events differ in when the frontier moves. Rust's capture
    /// reports <c>(0,0) -1, (0,1) +1</c> after the rounds 0 and 1 arrived and then <c>(0,1) -1, (0,3) +1</c>;
    /// ours reports <c>(0,0) -1, (0,2) +1</c> then <c>(0,2) -1, (0,3) +1</c>: our subgraph passes the
    /// loop's progress to the capture one step sooner. Both are valid frontiers of the same stream
    /// (checked by <see cref="CaptureProtocol"/>), and replay extracts the same result from either.
    /// </summary>
    [Theory]
    [MemberData(nameof(Files))]
    public void Our_iterative_dataflow_captures_the_messages_rust_captured(string name)
    {
        // product.w{peers}.{index}.bin: run the same dataflow on that many workers, compare that worker's stream.
        string[] parts = name.Split('.');
        int peers = int.Parse(parts[1][1..], System.Globalization.CultureInfo.InvariantCulture);
        int index = int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
        byte[][] captured = Execute.Run(peers == 1 ? Config.Thread : Config.Process(peers), worker =>
        {
            var bytes = new MemoryStream();
            var writer = new EventWriter<Product<ulong, uint>, ulong>(bytes, leaveOpen: true);
            ulong offset = 10 * (ulong)worker.Index;
            worker.Dataflow<ulong>(scope => scope.Iterative<ulong, uint>(inner =>
            {
                var (handle, cycle) = inner.Feedback<Product<ulong, uint>, ulong>(new Product<ulong, uint>(0, 1));
                var body = new ulong[] { 0 + offset, 1 + offset, 2 + offset }.ToStream(scope).Enter(inner)
                    .Concat(cycle).Map(x => x + 1).Filter(x => x % 10 < 5);
                body.CaptureInto(writer);
                body.ConnectLoop(handle);
            }));
            while (worker.Step())
            {
            }

            writer.Dispose();
            return bytes.ToArray();
        });

        var ours = ReadAll(captured[index]);
        var rusts = ReadAll(File.ReadAllBytes(Path.Combine(Directory, name)));
        Assert.Null(CaptureProtocol.FindViolation(ours, complete: true));
        Assert.Equal(
            rusts.OfType<Event<Product<ulong, uint>, ulong>.Messages>().Select(m => m.ToString()),
            ours.OfType<Event<Product<ulong, uint>, ulong>.Messages>().Select(m => m.ToString()));
        Assert.Equal(rusts.Extract().ToDebugLines(), ours.Extract().ToDebugLines());
    }

    [Theory]
    [MemberData(nameof(ReplayCases))]
    public void Replaying_on_any_worker_count_extracts_what_rust_extracted(int captured, int replay)
    {
        var files = System.IO.Directory.GetFiles(Directory, $"product.w{captured}.*.bin").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(captured, files.Length);
        var expected = File.ReadAllLines(Path.Combine(Directory, $"replay.w{captured}.txt"));
        Assert.NotEmpty(expected);

        Assert.Equal(expected, CaptureDataflowTests.ReplayFiles<Product<ulong, uint>, ulong>(files, replay));
    }

    private static List<Event<Product<ulong, uint>, ulong>> ReadAll(byte[] bytes) =>
        CaptureFormatGoldenTests.ReadAll<Product<ulong, uint>, ulong>(new MemoryStream(bytes));
}
