using System.Diagnostics;
using Timely.Transport.Shm.Rendezvous;

namespace Timely.Transport.Shm.Tests;

/// <summary>Set-ups the job directory tests share: two "processes" (threads) meeting, a pid that no longer runs.</summary>
internal static class TestJobs
{
    /// <summary>Joins job <paramref name="job"/> as processes 0 and 1 of 2 from two threads; returns both once they met.</summary>
    public static (JobDirectory First, JobDirectory Second) MeetTwo(string root, string job, int workers, Action<string>? warn = null)
    {
        var joined = new JobDirectory?[2];
        var threads = Enumerable.Range(0, 2)
            .Select(p => new Thread(() => joined[p] = JobDirectory.Join(root, job, p, 2, workers, 4096, TimeSpan.FromSeconds(10), warn)))
            .ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.FromSeconds(15)), "the two joins did not meet"));
        return (joined[0]!, joined[1]!);
    }

    /// <summary>The pid of a process that ran and exited (and was reaped).</summary>
    public static int DeadPid()
    {
        using var exited = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        exited.WaitForExit();
        Assert.False(ProcessLiveness.IsAlive(exited.Id));
        return exited.Id;
    }
}
