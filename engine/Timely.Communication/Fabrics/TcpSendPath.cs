using Timely.Communication.Logging;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Ring;
using Timely.Transport.Tcp;

namespace Timely.Communication.Fabrics;

/// <summary>
/// Everything that sends to one remote process: the rings the local workers write their
/// frames into, the connection's <see cref="FrameWriter"/> over a non-blocking socket, and
/// the send thread's doorbell. Either a worker (at its flush, <see cref="TryFlushFrom"/>) or
/// the send thread (<see cref="Drain"/>) moves frames from the rings to the socket.
/// </summary>
/// <remarks>
/// Design:
/// - Why a worker sends itself: on the latency path (one message, then a flush) waking a send
///   thread costs a futex wake and a context switch per hop, which on a 2-vCPU guest was most
///   of a round trip (perf.md §3). The worker's flush therefore puts its own frames on the
///   wire when that cannot block: the socket is non-blocking, the frames fit the batch, and
///   what the kernel does not take now is left for the send thread.
/// - One holder at a time (<c>_busy</c>, taken by CAS, released by a volatile write): the
///   holder is the only consumer of every ring here and the only user of the writer, so each
///   ring keeps one consumer at a time (SPSC) and frames of one worker leave in ring order.
///   A worker never waits for the lock: if it is taken, the worker rings the send thread,
///   which drains everything before it parks again.
/// - A worker drains only its own ring, of which it is the producer: nothing is added while it
///   drains, so <see cref="SpscByteRing.UnreadBytes"/> (which counts record headers and padding)
///   bounds what its frames take on the wire (with the integrity extension, at most 1/8 more)
///   and tells beforehand whether all of it fits the batch and no append can fall back to a
///   blocking send.
/// - <c>_pending</c> mirrors "the writer holds unsent bytes" for the send thread's park check,
///   which runs without the lock; it is written by the holder before the lock's release.
/// - The send thread may block (waiting for room on the socket) while it holds the lock;
///   workers then only ring it, so no worker ever waits on the network.
/// - <c>_lastSendTicks</c> (volatile, written by whoever sent) tells the send thread when the
///   connection has been quiet long enough to need a heartbeat.
/// </remarks>
internal sealed class TcpSendPath : IDisposable
{
    private readonly RingReader[] _readers;
    private readonly FrameWriter _writer;
    private int _busy;
    private volatile bool _pending;
    private long _lastSendTicks = Environment.TickCount64;

    public TcpSendPath(SpscByteRing[] rings, PeerConnection connection, int maxFrameBytes)
    {
        _readers = rings.Select(r => new RingReader(r, maxMessageLength: maxFrameBytes)).ToArray();
        _writer = new FrameWriter(connection.Socket, connection.Name);
        Connection = connection;
    }

    /// <summary>The send thread's doorbell.</summary>
    public Doorbell ThreadBell { get; } = Doorbell.InProcess();

    /// <summary>The send thread's communication logger (set by that thread; null: not logging).</summary>
    internal Timely.Logging.Logger<CommunicationEvent>? Log { get; set; }

    public PeerConnection Connection { get; }

    /// <summary><see cref="Environment.TickCount64"/> when bytes last went to the socket (worker or send thread).</summary>
    public long LastSendTicks => Volatile.Read(ref _lastSendTicks);

    /// <summary>Set when a worker's inline send failed (the send thread reports it by name).</summary>
    public Exception? InlineFailure { get; private set; }

    /// <summary>Send thread, before parking: whether a ring has frames or the writer has bytes left.</summary>
    public bool HasWork
    {
        get
        {
            if (_pending)
            {
                return true;
            }

            foreach (var reader in _readers)
            {
                if (reader.HasUnread)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Worker <paramref name="local"/>'s flush: sends the frames in its ring if that can be done
    /// now without waiting. False when the send thread has to finish the job (lock taken, frames
    /// do not fit, the socket is full, or the send failed).
    /// </summary>
    public bool TryFlushFrom(int local)
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            return false;
        }

        try
        {
            if (_writer.Pending > 0 && !_writer.TryFlush())
            {
                return false;
            }

            // On the wire a frame takes 12 bytes more than its frame (the integrity extension)
            // and a ring record 8 more (its header) plus alignment; records are at least 56
            // bytes, so the wire takes at most 1 + 4/56 times the ring's bytes, under 1 + 1/8.
            var reader = _readers[local];
            long unread = reader.Ring.UnreadBytes;
            if (reader.IsAssembling || unread + (unread >> 3) > _writer.Free)
            {
                return false;
            }

            bool any = false;
            while (reader.TryRead(out _, out ReadOnlySpan<byte> frame))
            {
                _writer.Append(frame);
                any = true;
            }

            reader.ReleaseRead();
            bool sent = _writer.TryFlush();
            _pending = !sent;
            if (any)
            {
                Volatile.Write(ref _lastSendTicks, Environment.TickCount64);
            }

            return sent;
        }
        catch (TcpTransportException e)
        {
            // Not the worker's own error: the send thread, rung by the caller, meets it again on
            // the socket (or reads it here) and fails the job naming the peer.
            InlineFailure ??= e;
            _pending = true;
            return false;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Send thread: takes the lock (waiting for a worker's inline send to finish), moves every
    /// ring's frames to the socket and waits until all are sent. True if anything was sent.
    /// </summary>
    /// <exception cref="TcpTransportException">The connection broke.</exception>
    public bool Drain()
    {
        Acquire();
        try
        {
            if (InlineFailure is { } failure)
            {
                throw new TcpTransportException(failure.Message, failure) { Peer = Connection.Name };
            }

            bool any = _writer.Pending > 0;
            foreach (var reader in _readers)
            {
                while (reader.TryRead(out _, out ReadOnlySpan<byte> frame))
                {
                    if (Log is { } log)
                    {
                        NetworkLog.Frame(log, true, frame);
                    }

                    _writer.Append(frame);
                    any = true;
                }

                reader.ReleaseRead();
            }

            _writer.Flush();
            _pending = false;
            if (any)
            {
                Volatile.Write(ref _lastSendTicks, Environment.TickCount64);
            }

            return any;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// The send thread's loop: moves frames to the socket (a heartbeat after
    /// <paramref name="heartbeatInterval"/> of quiet), spinning <paramref name="spinIterations"/>
    /// times and then parking up to <paramref name="park"/> when there are none, until
    /// <paramref name="stopping"/> says every local worker has returned; then it sends what they
    /// left and ends the stream: with <paramref name="failureNotice"/>'s notice when it gives
    /// one (the job failed), else with timely's end of stream.
    /// </summary>
    /// <exception cref="TcpTransportException">The connection broke.</exception>
    public void Run(Func<bool> stopping, Func<byte[]?> failureNotice, byte[] heartbeat, TimeSpan heartbeatInterval, TimeSpan park, int spinIterations)
    {
        Func<TcpSendPath, bool> hasWork = p => stopping() || p.HasWork;
        int idle = 0;
        while (true)
        {
            // Whether the fabric stops is read before the drain, not after: once it says so,
            // every local worker has returned, and their last frames (written before they
            // returned, which came before the stop was set) are in the rings this drain reads.
            // Read after a drain that found nothing, a worker's last frames written, and the
            // stop set, in between were left in the ring and the end of stream went out ahead
            // of them: the peer waited for them forever (random traffic over tcp x2, one
            // process's last large message; its ring still held 42-49 KB after the end).
            bool stop = stopping();
            if (Drain())
            {
                idle = 0;
                continue;
            }

            if (stop)
            {
                byte[]? notice = failureNotice();
                Finish(notice, notice is not null);
                return;
            }

            if (Environment.TickCount64 - LastSendTicks >= (long)heartbeatInterval.TotalMilliseconds)
            {
                Send(heartbeat);
            }

            if (++idle <= spinIterations)
            {
                Thread.SpinWait(20);
                continue;
            }

            ThreadBell.Park(park, hasWork, this);
            idle = 0;
        }
    }

    /// <summary>Send thread: sends <paramref name="frame"/> (a heartbeat) now, after whatever is queued.</summary>
    /// <exception cref="TcpTransportException">The connection broke.</exception>
    public void Send(ReadOnlySpan<byte> frame)
    {
        Acquire();
        try
        {
            _writer.Append(frame);
            _writer.Flush();
            Volatile.Write(ref _lastSendTicks, Environment.TickCount64);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>Send thread, at the end: appends <paramref name="failureNotice"/> (when <paramref name="failed"/>) or timely's end of stream, and sends.</summary>
    public void Finish(ReadOnlySpan<byte> failureNotice, bool failed)
    {
        Acquire();
        try
        {
            if (failed)
            {
                _writer.Append(failureNotice);
                _writer.Flush();
            }
            else
            {
                _writer.End();
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Acquire()
    {
        var spinner = default(SpinWait);
        while (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            spinner.SpinOnce();
        }
    }

    /// <summary>After the send thread and every worker stopped.</summary>
    public void Dispose()
    {
        foreach (var reader in _readers)
        {
            reader.Dispose();
        }

        _writer.Dispose();
        ThreadBell.Dispose();
    }
}
