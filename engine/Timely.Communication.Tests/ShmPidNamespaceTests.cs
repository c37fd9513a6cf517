using Timely.Testing;

namespace Timely.Communication.Tests;

/// <summary>
/// Two processes of one shared-memory job in different pid namespaces sharing the job directory,
/// as two containers sharing <c>/dev/shm</c> do (here one real <c>timely</c> under
/// <c>unshare --pid --fork --mount-proc</c>): the pid each reads in the other's control file means
/// nothing to it, so neither may take the other's live files for stale, and liveness rests on
/// the heartbeat. Before, the first one in deleted the other's files and both failed with a
/// misleading "never appeared" or "died while connecting".
/// </summary>
public sealed class ShmPidNamespaceTests : IDisposable
{
    private const string Unshare = "unshare --pid --fork --mount-proc";
    private readonly string _root = Directory.CreateTempSubdirectory("timely-pidns-").FullName;

    [UnshareFact]
    public void A_job_forms_and_finishes_across_pid_namespaces_whichever_starts_first()
    {
        foreach (bool namespacedFirst in new[] { true, false })
        {
            string job = "pidns-" + Guid.NewGuid().ToString("N")[..12];
            string args = $"barrier 2000 -n 2 --transport shm --job {job} --shm-dir {_root} --connect-timeout 30";
            var first = TimelyChild.Start($"{args} -p 0", wrapper: namespacedFirst ? Unshare : null);
            WaitForJobFile(job, "proc-0");   // the first one is in set-up, its files live, when the second looks
            var second = TimelyChild.Start($"{args} -p 1", wrapper: namespacedFirst ? null : Unshare);
            var results = new[] { first.Finish(), second.Finish() };
            for (int p = 0; p < 2; p++)
            {
                Assert.True(results[p].ExitCode == 0, $"process {p} exited {results[p].ExitCode}: {results[p].Stderr}");
            }

            Assert.Empty(Directory.GetFileSystemEntries(_root));
        }
    }

    [UnshareFact]
    public void A_peer_of_another_pid_namespace_killed_mid_run_is_named_once_its_heartbeat_stops()
    {
        string job = "pidns-kill-" + Guid.NewGuid().ToString("N")[..12];
        string args = $"barrier 1000000000 -n 2 --transport shm --job {job} --shm-dir {_root} --connect-timeout 30 --peer-timeout 1";
        var host = TimelyChild.Start($"{args} -p 0");
        var namespaced = TimelyChild.Start($"{args} -p 1", wrapper: Unshare);
        WaitForJobFile(job, "proc-1");
        if (!SetUpFinished(job))
        {
            namespaced.Process.Kill(entireProcessTree: true);
            host.Process.Kill(entireProcessTree: true);
            Assert.Fail($"job {job} never finished its set-up; process 0: {host.Finish().Stderr} | process 1: {namespaced.Finish().Stderr}");
        }

        namespaced.Process.Kill(entireProcessTree: true);   // SIGKILL: unshare and the timely under it
        namespaced.Finish();
        var (exit, _, stderr) = host.Finish();

        // The whole of process 0's stderr in each message: a mismatch must show what it said instead.
        Assert.True(exit == 1, $"exit {exit}; stderr: {stderr}");
        Assert.True(stderr.Contains("process 1 (pid 1 in another pid namespace", StringComparison.Ordinal), $"stderr: {stderr}");
        Assert.True(stderr.Contains("no heartbeat", StringComparison.Ordinal), $"stderr: {stderr}");
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string JobPath(string job) => Directory.GetDirectories(_root, $"timely-*-{job}").FirstOrDefault() ?? string.Empty;

    private void WaitForJobFile(string job, string name) =>
        Assert.True(SpinWait.SpinUntil(() => File.Exists(Path.Combine(JobPath(job), name)), TimelyChild.Deadline), $"{name} of job {job} never appeared");

    /// <summary>Set-up is over once the job's files have no names left (the seal).</summary>
    private void WaitUntilSetUp(string job) =>
        Assert.True(SetUpFinished(job), $"job {job} never finished its set-up");

    private bool SetUpFinished(string job) =>
        SpinWait.SpinUntil(() => JobPath(job) is { Length: > 0 } path && Directory.Exists(path) && Directory.GetFileSystemEntries(path).Length == 0, TimelyChild.Deadline);
}
