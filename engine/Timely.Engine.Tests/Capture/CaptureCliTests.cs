namespace Timely.Engine.Tests.Capture;

/// <summary>The capture commands of the <c>timely</c> CLI, run as child processes.</summary>
public sealed class CaptureCliTests : IDisposable
{
    private static readonly string[] ZeroToNine = Enumerable.Range(0, 10).Select(i => $"replayed: {i}").ToArray();

    private readonly string _dir = Directory.CreateTempSubdirectory("timely-capture-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    [Theory]
    [InlineData("capture-link")]
    [InlineData("capture-tcp")]
    public void Seed_examples_print_replayed_zero_to_nine(string command)
    {
        var (exit, stdout, stderr) = TimelyCli.Run(command);
        Assert.True(exit == 0, stderr);
        Assert.Equal(ZeroToNine, Lines(stdout));
    }

    [Fact]
    public void Files_captured_on_two_workers_replay_on_three_to_every_record_sent()
    {
        var (exit, _, stderr) = TimelyCli.Run("capture-file", "--out", _dir, "-w", "2", "--rounds", "3", "--records", "4");
        Assert.True(exit == 0, stderr);
        string[] files = [Path.Combine(_dir, "0.bin"), Path.Combine(_dir, "1.bin")];

        var (replayExit, stdout, replayErr) = TimelyCli.Run(["replay-file", .. files, "-w", "3"]);
        Assert.True(replayExit == 0, replayErr);
        // Worker w sends round * 1_000_000 + i * 2 + w for i in 0..4: every round holds base + 0..7.
        string[] expected = Enumerable.Range(0, 3)
            .Select(r => $"({r}, [{string.Join(", ", Enumerable.Range(0, 8).Select(v => (r * 1_000_000) + v))}])").ToArray();
        Assert.Equal(expected, Lines(stdout));
    }

    [Fact]
    public void Truncated_and_missing_files_fail_naming_the_file()
    {
        byte[] golden = File.ReadAllBytes(Path.Combine(GoldenFiles.Directory, "u64s.w1.0.bin"));
        string cut = Path.Combine(_dir, "cut.bin");
        File.WriteAllBytes(cut, golden[..50]);
        var (exit, stdout, stderr) = TimelyCli.Run("replay-file", cut);
        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        Assert.Contains($"timely replay-file: {cut}: Capture stream ended inside the record at stream offset 0", stderr, StringComparison.Ordinal);

        string missing = Path.Combine(_dir, "absent.bin");
        (exit, _, stderr) = TimelyCli.Run("replay-file", missing);
        Assert.Equal(1, exit);
        Assert.Contains($"{missing}: no such file", stderr, StringComparison.Ordinal);
    }
}
