using System.Runtime.CompilerServices;

namespace Timely.Communication.Wakeup;

/// <summary>
/// The owner's half of the wake-up protocol when it runs out of work, written once: look for
/// work a bounded number of times (the spin budget, <see cref="Config.SpinIterations"/>),
/// pausing between looks, then park on its doorbell, which looks once more after announcing
/// sleep, so nothing published before the senders' fence is slept past.
/// </summary>
// Design:
// - Owner thread only: the spinner is a local (or the caller's, for SpinOrPark) and nothing
//   here is shared. The senders' side is FenceThenRing; Doorbell.Park holds the Dekker pair.
// - Spinning pauses with SpinWait.SpinOnce(sleep1Threshold: -1): it backs off and yields but
//   never sleeps 1 ms, so a worker that spins is at most one yield late for a message.
// - The owner says what work is through a struct (IWorkProbe), so each allocator gets its own
//   compiled copy and each look between spins is a direct call. The park's look, after the
//   doorbell announces sleep, goes through one delegate per probe type (Looks), made once.
internal static class SpinThenPark
{
    /// <summary>
    /// Owner: returns at once when <paramref name="probe"/> finds work within
    /// <paramref name="spins"/> looks; otherwise parks on <paramref name="bell"/> until rung or
    /// the timeout <see cref="IWorkProbe.BeforePark"/> gives passes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Await<TProbe>(Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
    {
        var spinner = default(SpinWait);
        for (int i = 0; i < spins; i++)
        {
            if (probe.HasWork())
            {
                return;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        bell.Park(probe.BeforePark(timeout), Looks<TProbe>.HasWork, probe);
    }

    /// <summary>
    /// Owner, one idle step of a wait loop of its own: a pause while <paramref name="spinner"/>
    /// has spun fewer than <paramref name="spins"/> times, a park (bounded by
    /// <paramref name="timeout"/>) after that.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SpinOrPark<TProbe>(ref SpinWait spinner, Doorbell bell, int spins, TimeSpan? timeout, TProbe probe)
        where TProbe : struct, IWorkProbe
    {
        if (spinner.Count < spins)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        else
        {
            bell.Park(timeout, Looks<TProbe>.HasWork, probe);
        }
    }

    /// <summary>The park's look for <typeparamref name="TProbe"/>, made once per probe type.</summary>
    private static class Looks<TProbe>
        where TProbe : struct, IWorkProbe
    {
        public static readonly Func<TProbe, bool> HasWork = static probe => probe.HasWork();
    }
}
