namespace Timely.Transport.Shm.Rendezvous;

/// <summary>
/// The pause between two looks of a rendezvous wait (a peer's file, a ring, a peer's state):
/// the first looks only yield the core, the next sleep 1 ms, the rest <see cref="Longest"/>.
/// The sleeps are parks on the waiter's own doorbell word, which its peers ring when they move
/// on, so a sleep is the longest a wait overruns a peer whose ring it missed.
/// </summary>
/// <remarks>
/// The processes of a job reach each step of the rendezvous within a few milliseconds of each
/// other (they are started together), so a fixed 2 ms sleep made the first to arrive wait up to
/// a whole sleep past the moment its peer was there, at each of the four steps, and a sleep
/// overshoots on a loaded host. Yielding first catches a peer that is a moment behind; a
/// peer that is slow to start (a cold binary, a loaded host) is still polled no faster than
/// every <see cref="Longest"/>, so a wait of seconds costs what it did.
/// </remarks>
internal struct PollBackoff
{
    /// <summary>Looks that only yield before the first sleep.</summary>
    internal const int Yields = 20;

    /// <summary>Looks that sleep 1 ms before the sleeps grow to <see cref="Longest"/>.</summary>
    internal const int ShortSleeps = 2;

    /// <summary>The longest pause, and the one every look after the first few waits.</summary>
    internal static readonly TimeSpan Longest = TimeSpan.FromMilliseconds(2);

    private int _looks;

    /// <summary>The pause before the next look: <see cref="TimeSpan.Zero"/> for a yield.</summary>
    internal TimeSpan Next()
    {
        int look = _looks;
        if (_looks < int.MaxValue)
        {
            _looks++;
        }

        return look < Yields ? TimeSpan.Zero
            : look < Yields + ShortSleeps ? TimeSpan.FromMilliseconds(1)
            : Longest;
    }
}
