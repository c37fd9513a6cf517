using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Bench.Launch;

namespace Timely.PropTests.Launch;

/// <summary>
/// A <c>/proc/PID/stat</c> line gives back the state, thread count and CPU ticks written into it
/// (<see cref="ChildProcessState.TryParseStat"/>), whatever the process's name holds: the name
/// (up to 15 bytes, the kernel's cut) is drawn from letters, spaces and both parentheses, so names
/// such as <c>a) S 1 (b</c> that look like the fields that follow come up often.
/// </summary>
public sealed class ChildProcessStateProperties
{
    private static readonly char[] NameAlphabet = ['a', 'Z', ' ', '(', ')', ')', '1', 'S', ':', '.'];

    [Property(MaxTest = 2000)]
    public Property A_stat_line_gives_back_its_fields_whatever_the_name_holds()
    {
        var name = Gen.Elements(NameAlphabet).ListOf().Where(cs => cs.Count <= 15).Select(cs => new string([.. cs]));
        var state = Gen.Elements('R', 'S', 'D', 'T', 't', 'Z', 'I');
        var ticks = Gen.Choose(0, int.MaxValue).Select(t => (long)t);
        var threads = Gen.Choose(1, 100_000);
        var line = Gen.Zip(Gen.Zip(name, state), Gen.Zip(Gen.Zip(ticks, ticks), threads));
        return Prop.ForAll(line.ToArbitrary(), drawn =>
        {
            var ((comm, s), ((user, system), t)) = drawn;

            // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
            // cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime ...
            string stat = $"4242 ({comm}) {s} 1 4242 4242 0 -1 4194560 100 0 0 0 {user} {system} 0 0 20 0 {t} 0 6016576 2990080 409";
            bool parsed = ChildProcessState.TryParseStat(stat, out char gotState, out int gotThreads, out long gotTicks);
            return (parsed && gotState == s && gotThreads == t && gotTicks == user + system).Label($"'{stat}' -> {parsed} {gotState} {gotThreads} {gotTicks}");
        });
    }

    [Property(MaxTest = 1000)]
    public Property A_stat_line_cut_anywhere_before_its_thread_count_gives_nothing()
    {
        const string stat = "4242 (a) S (b) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 17";
        return Prop.ForAll(Gen.Choose(0, stat.LastIndexOf(' ')).ToArbitrary(), cut =>
            (!ChildProcessState.TryParseStat(stat[..cut], out _, out _, out _)).Label($"cut at {cut}: '{stat[..cut]}'"));
    }
}
