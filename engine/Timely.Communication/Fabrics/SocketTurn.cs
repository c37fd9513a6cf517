using Timely.Communication.Wakeup;

namespace Timely.Communication.Fabrics;

/// <summary>
/// Whose turn it is to read one TCP connection when a process has one worker and one peer: the
/// worker, while it is awake (it reads the socket in its own receive and idle looks, so a frame
/// reaches it with no thread in between), or the connection's receive thread, while the worker
/// parks or computes elsewhere (the thread then copies frames into the worker's ring and rings
/// its doorbell, as it does for every other shape).
/// </summary>
// Design:
// - One word, _state, changed only with Interlocked. Who may move it:
//     ThreadHolds -> WorkerWants   the worker, awake in a receive (Request);
//     WorkerWants -> WorkerHolds   the thread, between frames, with none whole in its buffer (TryGiveBack);
//     WorkerHolds -> ThreadHolds   the worker, before it parks (Park) or when it lets go for good (Surrender);
//     WorkerWants -> ThreadHolds   the worker, before it parks while its request is pending;
//     any -> Ended                 whoever holds the connection and meets its end or a failure.
//   The connection's reader (socket, buffer, sequence number) passes only from its holder, and
//   only through one of these full fences, so its plain fields are published to the next holder.
// - Invariant: the worker touches the reader only while the word is WorkerHolds, the thread
//   only while it is ThreadHolds or WorkerWants, and only the side that holds it moves the word
//   out of its own states (the worker's request, ThreadHolds -> WorkerWants, keeps the thread
//   the holder). So each side's "I hold it" stays true from its look until its own hand-over,
//   and bytes one side read but did not cut into frames stay in the one buffer the next holder
//   reads first. Checked against the stall under load that got this path reverted: traces
//   showed each turn with one holder and nothing left in the buffer; the frames were still in
//   the peer's send ring, whose thread ended its stream ahead of them (TcpSendPath.Run).
// - No lost wake-up: the worker hands the connection over before it announces sleep on its own
//   doorbell, and the park's last look (Poll) reads the socket only while the worker holds it,
//   which it no longer does; from then on the thread reads and rings the worker as any sender
//   does (fence, then ring). The worker asks for the connection back only in a receive, never in
//   an idle look, so it is never given back to a worker that is going to sleep.
// - Order: what the thread put in the worker's ring before it gave the connection back is read
//   first: a receive reads the word (Request) before it drains the rings, and takes frames
//   from the socket after the drain only if that earlier read found the worker holding it.
//   The thread writes the ring only while it holds the connection, so that drain holds all of
//   its frames. (Reading the word after the drain let a give-back fall in between: a frame
//   from the socket then overtook the ring's last ones.)
// - The thread waits for its turn parked on _threadBell (in-process), rung by the worker after
//   each hand-over (after the Interlocked, its fence); its look is the word itself. Parks are
//   bounded so a stopped fabric is noticed.
// - _surrendered is the worker's (or, after every worker returned, the disposing thread's):
//   once set, the worker never asks again and the thread reads until the stream ends.
internal sealed class SocketTurn : IDisposable
{
    private const int WorkerHolds = 0;
    private const int ThreadHolds = 1;
    private const int WorkerWants = 2;
    private const int Ended = 3;

    private static readonly TimeSpan WaitSlice = TimeSpan.FromMilliseconds(100);

    private readonly Doorbell _threadBell = Doorbell.InProcess();
    private int _state = ThreadHolds;
    private bool _surrendered;
    private long _handOvers;

    /// <summary>Worker: whether it holds the connection now (an acquire: the reader's fields are then its own).</summary>
    public bool WorkerHas => Volatile.Read(ref _state) == WorkerHolds;

    /// <summary>Thread: whether it holds the connection now (asked for or not).</summary>
    public bool ThreadHas => Volatile.Read(ref _state) is ThreadHolds or WorkerWants;

    /// <summary>Times the worker handed the connection to the thread (tests: the parked path was taken).</summary>
    public long HandOvers => Volatile.Read(ref _handOvers);

    /// <summary>Times the thread gave the connection back to the worker (tests: the worker's path was taken).</summary>
    public long GiveBacks { get; private set; }

    /// <summary>Worker, awake in a receive: asks for the connection if the thread holds it; true when the worker holds it.</summary>
    public bool Request()
    {
        int state = Volatile.Read(ref _state);
        if (state == ThreadHolds && !_surrendered)
        {
            Interlocked.CompareExchange(ref _state, WorkerWants, ThreadHolds);
            return false;
        }

        return state == WorkerHolds;
    }

    /// <summary>Worker, before it announces sleep on its doorbell: the thread reads from now on.</summary>
    public void Park()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state == WorkerHolds)
            {
                Interlocked.Exchange(ref _state, ThreadHolds);
                Interlocked.Increment(ref _handOvers);
                _threadBell.RingAfterFence();
                return;
            }

            if (state != WorkerWants || Interlocked.CompareExchange(ref _state, ThreadHolds, WorkerWants) == WorkerWants)
            {
                return;   // the thread holds it (or the stream ended); a pending request is withdrawn
            }

            // The thread gave it back meanwhile: hand it over again.
        }
    }

    /// <summary>The worker returns (or the fabric stops after every worker returned): the thread reads until the stream ends.</summary>
    public void Surrender()
    {
        _surrendered = true;
        Park();
    }

    /// <summary>Thread, between frames (none whole in its buffer, its frames published): gives the connection to a worker that asked; true when it did.</summary>
    public bool TryGiveBack()
    {
        if (Volatile.Read(ref _state) != WorkerWants || Interlocked.CompareExchange(ref _state, WorkerHolds, WorkerWants) != WorkerWants)
        {
            return false;
        }

        GiveBacks++;
        return true;
    }

    /// <summary>Thread: waits until it holds the connection; false when the stream ended (or failed) in the worker's hands.</summary>
    public bool AwaitThreadTurn()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            if (state is ThreadHolds or WorkerWants)
            {
                return true;
            }

            if (state == Ended)
            {
                return false;
            }

            _threadBell.Park(WaitSlice, static turn => Volatile.Read(ref turn._state) != WorkerHolds, this);
        }
    }

    /// <summary>Holder: the stream ended or failed; nobody reads it again, and a thread waiting for its turn stops waiting.</summary>
    public void End()
    {
        Interlocked.Exchange(ref _state, Ended);
        _threadBell.RingAfterFence();
    }

    /// <summary>Frees the thread's doorbell; only after the thread and the worker stopped.</summary>
    public void Dispose() => _threadBell.Dispose();
}
