namespace Timely.Dataflow.Tests.Capture;

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
        AssertOneLine($"timely: {cut}: Capture stream ended inside the record at stream offset 0", stderr);

        string missing = Path.Combine(_dir, "absent.bin");
        (exit, _, stderr) = TimelyCli.Run("replay-file", missing);
        Assert.Equal(1, exit);
        AssertOneLine($"timely: {missing}: no such file", stderr);
    }

    /// <summary>stderr is one line, starts with <paramref name="start"/> and holds no stack frame.</summary>
    private static void AssertOneLine(string start, string stderr)
    {
        string line = Assert.Single(Lines(stderr));
        Assert.StartsWith(start, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    /// <summary>A usage error: one line starting with <paramref name="start"/>, then the CLI's one hint line, no stack frame.</summary>
    private static void AssertUsage(string start, string command, string stderr)
    {
        var lines = Lines(stderr);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith(start, lines[0], StringComparison.Ordinal);
        Assert.Equal($"see 'timely {command} --help'", lines[1]);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_record_fails_naming_the_file_and_the_byte_offset()
    {
        byte[] golden = File.ReadAllBytes(Path.Combine(GoldenFiles.Directory, "u64s.w1.0.bin"));
        int second = 8 + (int)BitConverter.ToUInt64(golden, 0);   // the second record's offset
        golden[second + 8] = 7;                                   // its variant tag: neither 0 nor 1
        string corrupt = Path.Combine(_dir, "corrupt.bin");
        File.WriteAllBytes(corrupt, golden);

        var (exit, stdout, stderr) = TimelyCli.Run("replay-file", corrupt);
        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        AssertOneLine($"timely: {corrupt}: Corrupt capture record at stream offset {second} ", stderr);
        Assert.Contains("unknown Event variant tag 7", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Replaying_a_directory_fails_saying_it_is_a_directory()
    {
        var (exit, stdout, stderr) = TimelyCli.Run("replay-file", _dir);
        Assert.Equal(1, exit);
        Assert.Empty(stdout);
        AssertOneLine($"timely: {_dir}: is a directory", stderr);
    }

    [Fact]
    public void An_unknown_data_type_is_a_usage_error()
    {
        var (exit, _, stderr) = TimelyCli.Run("replay-file", Path.Combine(GoldenFiles.Directory, "u64s.w1.0.bin"), "--data", "u32");
        Assert.Equal(2, exit);
        AssertUsage("timely: error: --data u32: expected u64 or string", "replay-file", stderr);
    }

    /// <summary>An --out under a regular file (cannot be created) and one under /proc (cannot be written) are usage errors naming DIR.</summary>
    [Theory]
    [InlineData("under-a-file")]
    [InlineData("/proc/nope")]
    public void An_out_directory_that_cannot_be_created_or_written_is_a_usage_error_naming_it(string where)
    {
        string dir = where;
        if (where == "under-a-file")
        {
            string file = Path.Combine(_dir, "plain-file");
            File.WriteAllText(file, "not a directory");
            dir = Path.Combine(file, "out");
        }

        var (exit, stdout, stderr) = TimelyCli.Run("capture-file", "--out", dir);
        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        AssertUsage($"timely: error: --out {dir}: cannot create or write the directory (", "capture-file", stderr);
    }
}
