using System.Diagnostics;
using System.Globalization;
using Timely.Testing;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Bench.Tests;

/// <summary>
/// A real <c>timely</c> process of a shared-memory job, stopped by SIGTERM or SIGINT while it
/// waits for its peer, removes its files (before: about 1 MiB per ring stayed in the shm
/// directory) and still ends by the signal (non-zero exit).
/// </summary>
public sealed class ShmSignalTests : IDisposable
{
    private readonly string _root = ReportFiles.TempDirectory();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public Task A_process_stopped_by_SIGTERM_mid_run_removes_its_files_and_exits_non_zero() => StoppedMidRun("TERM");

    [SigintDeliveredFact]
    public Task A_process_stopped_by_SIGINT_mid_run_removes_its_files_and_exits_non_zero() => StoppedMidRun("INT");

    private async Task StoppedMidRun(string signal)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { TimelyDll.Path, "hello", "-p", "0", "-n", "2", "--transport", "shm", "--shm-dir", _root, "--job", "signal", "--connect-timeout", "60" })
        {
            start.ArgumentList.Add(argument);
        }

        string job = JobDirectory.PathFor(_root, "signal");
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        try
        {
            // Mid-run: set up and waiting (up to 60 s) for process 1, which never starts.
            var deadline = Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(job, "proc-0")))
            {
                if (child.HasExited)
                {
                    Assert.Fail($"timely exited early ({child.ExitCode}): {await errors}");
                }

                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "timely never created its control file");
                Thread.Yield();
            }

            Assert.NotEmpty(Directory.GetFiles(job));
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, child.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
            {
                kill.WaitForExit();
                Assert.Equal(0, kill.ExitCode);
            }

            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30)), $"SIG{signal} did not stop timely");
            Assert.NotEqual(0, child.ExitCode);
            string stderr = await errors;
            Assert.False(Directory.Exists(job), $"left behind: {string.Join(", ", Directory.Exists(job) ? Directory.GetFileSystemEntries(job) : [])}; stderr: {stderr}");
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
                child.WaitForExit();
            }

            await output;
        }
    }
}
