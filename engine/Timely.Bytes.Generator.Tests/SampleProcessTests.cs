using System.Diagnostics;
using Timely.Testing;

namespace Timely.Bytes.Generator.Tests;

/// <summary>
/// The sample's records (a record with a nested record, a list, a tuple, an enum and nullable
/// members, with no codec written by hand and no Prepare call) through every transport: the
/// sample run as real processes prints, per worker, the count and fingerprint of the trades it
/// received, and every configuration must print what threads of one process print.
/// </summary>
public sealed class SampleProcessTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private const string Trades = "3000";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly Lazy<string[]> InProcess = new(() => Lines(Start("-w", "2", Trades)));

    // The per-test directory of the shared-memory job and the TCP host file: created here, removed at Dispose.
    private readonly string _directory = Directory.CreateDirectory(
        Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "timely-tests-sample-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    private static string SampleDll => Repository.PathOf($"samples/Timely.Samples.Records/bin/{Configuration}/net10.0/Timely.Samples.Records.dll");

    [Fact]
    public void Threads_of_one_process_see_every_trade_once()
    {
        Assert.Equal(["worker 0: 1500 trades, checksum ", "worker 1: 1500 trades, checksum "], InProcess.Value.Select(l => l[..^16]));
    }

    [Fact]
    public void Through_byte_rings_in_one_process()
    {
        Assert.Equal(InProcess.Value, Lines(Start("-w", "2", "-z", Trades)));
    }

    [Fact]
    public void Through_shared_memory_between_two_processes()
    {
        string job = "sample-" + Guid.NewGuid().ToString("N")[..8];
        var processes = Enumerable.Range(0, 2)
            .Select(p => Start("-n", "2", "-p", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "--transport", "shm", "--job", job, "--shm-dir", _directory, Trades))
            .ToArray();
        Assert.Equal(InProcess.Value, processes.SelectMany(Lines).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));   // the job left no file behind
    }

    [Fact]
    public void Through_TCP_between_two_processes()
    {
        string hosts = Path.Combine(_directory, "hosts");
        File.WriteAllLines(hosts, FreePorts.Loopback(2));
        var processes = Enumerable.Range(0, 2)
            .Select(p => Start("-n", "2", "-p", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "--transport", "tcp", "-h", hosts, Trades))
            .ToArray();
        Assert.Equal(InProcess.Value, processes.SelectMany(Lines).Order(StringComparer.Ordinal));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(SampleDll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
    }

    // The result lines of a process that must exit 0 before the deadline, sorted; it is killed (by its id) otherwise.
    private static string[] Lines(Process process)
    {
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Deadline))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                Assert.Fail($"the sample (pid {process.Id}) did not finish within {Deadline.TotalSeconds} s: {error.Result}");
            }

            Assert.True(process.ExitCode == 0, $"the sample exited {process.ExitCode}: {error.Result}");
            return [.. output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
        }
    }
}
