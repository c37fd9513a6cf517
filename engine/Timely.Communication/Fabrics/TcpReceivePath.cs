using Timely.Communication.Binary;
using Timely.Communication.Logging;
using Timely.Communication.Startup;
using Timely.Communication.Wakeup;
using Timely.Transport.Shm.Ring;
using Timely.Transport.Tcp;

namespace Timely.Communication.Fabrics;

/// <summary>
/// Everything that receives from one remote process: its connection's <see cref="FrameReader"/>,
/// the ring from this path to each local worker and the workers' bells. Its thread
/// (<see cref="Run"/>) copies each timely frame, unchanged, into the ring of every local
/// worker it is for.
/// </summary>
// Design:
// - One thread owns everything here: it alone reads the socket and it is the only producer of
//   each ring to a local worker (the writers are locals of Run), so the rings stay SPSC. With a
//   SocketTurn the reader (socket and buffer) passes between this thread and the one worker,
//   whose turn SocketTurn decides; the worker takes frames straight from the reader's buffer
//   (TryTake) and never writes the ring, so the ring keeps one producer.
// - Wake-ups: per frame an unfenced RingIfSleeping of the target's bell, as a pusher does;
//   before it blocks on the socket (no whole frame left in the reader's buffer) it moves what
//   spilled into the rings and rings every worker it wrote to since (the touched flags) through
//   FenceThenRing, after one fence: the sending half of the doorbell protocol, so no worker
//   sleeps on a frame that is in its ring.
// - Backpressure: a worker whose ring is full makes this thread wait for room (ringing it,
//   fenced, while it waits) instead of spilling the rest of the read buffer; TCP then pushes
//   back on the sender. That cannot deadlock: a worker that waits keeps draining its own rings.
// - Failure: a broken or hostile connection fails the job in the group, naming the peer, as a
//   failure of that process's first worker; a failure notice from the peer is recorded with
//   its own cause (TcpFailureNotice). Frames for a local worker that has returned are dropped.
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Run's end disposes the reader: the thread is the last to hold it (a worker lets go before its allocator ends, and ends the turn when the stream ends in its hands).")]
internal sealed class TcpReceivePath : IDirectReceive
{
    private readonly int _q;
    private readonly PeerConnection _connection;
    private readonly SpscByteRing[] _rings;
    private readonly WorkerGroup _group;
    private readonly Doorbell[] _bells;
    private readonly int _first;
    private readonly int _threads;
    private readonly FrameReader _reader;
    private readonly SocketTurn? _turn;
    private readonly Func<bool> _stopping;
    private bool _polled;   // the worker's: its last idle look received bytes, so its next take does not read again

    /// <summary>
    /// From process <paramref name="q"/> over <paramref name="connection"/> into
    /// <paramref name="rings"/> (one per local worker); <paramref name="bells"/> by global
    /// worker, this process's workers <paramref name="first"/> .. + <paramref name="threads"/>.
    /// With <paramref name="workerReads"/> (one local worker) the worker reads the connection
    /// while it is awake. <paramref name="stopping"/> tells whether the fabric is being disposed
    /// (a failure then may be the reset it made itself).
    /// </summary>
    public TcpReceivePath(int q, PeerConnection connection, SpscByteRing[] rings, WorkerGroup group, Doorbell[] bells, int first, int threads, int maxMessageBytes, TimeSpan silenceBound, bool workerReads, Func<bool> stopping)
    {
        if (workerReads && threads != 1)
        {
            throw new ArgumentException($"a worker reads its connection itself only when it is the process's one worker, not one of {threads}.", nameof(workerReads));
        }

        _q = q;
        _connection = connection;
        _rings = rings;
        _group = group;
        _bells = bells;
        _first = first;
        _threads = threads;
        _stopping = stopping;
        _turn = workerReads ? new SocketTurn() : null;
        _reader = new FrameReader(connection.Socket, connection.Name, maxMessageBytes, q * threads, (q + 1) * threads, first, first + threads)
        {
            SilenceBound = silenceBound,
        };
    }

    /// <summary>Whose turn it is to read, when the worker reads too; null when this thread alone reads.</summary>
    public SocketTurn? Turn => _turn;

    /// <summary>
    /// The receive thread: until the peer's end of stream (its workers then count as finished),
    /// a failure notice, or a failure; with a <see cref="SocketTurn"/>, reading only in its turns.
    /// </summary>
    public void Run(Func<CommunicationSetup, Timely.Logging.Logger<CommunicationEvent>?>? logFactory)
    {
        int q = _q;
        int w = _threads;
        var writers = _rings.Select(r => new RingWriter(r)).ToArray();
        var touched = new bool[w];
        var reader = _reader;
        var turn = _turn;
        var log = NetworkLog.Open(logFactory, false, _first / _threads, q);
        try
        {
            while (true)
            {
                if (turn is not null && !turn.ThreadHas)
                {
                    Publish(writers, touched);
                    if (!turn.AwaitThreadTurn())
                    {
                        return;   // the stream ended, or failed, in the worker's hands
                    }

                    continue;
                }

                if (!reader.HasBufferedFrame)
                {
                    Publish(writers, touched);
                    if (turn is not null && turn.TryGiveBack())
                    {
                        continue;   // the worker asked and is awake: it reads from here on
                    }
                }

                if (!reader.Read(out var header, out ReadOnlySpan<byte> frame))
                {
                    Publish(writers, touched);
                    EndOfStream();
                    return;
                }

                if (header.Channel == TcpFabric.FailureChannel)
                {
                    TcpFailureNotice.Report(_group, _connection, frame, _first, _threads);
                    return;
                }

                if (header.Channel == TcpFabric.HeartbeatChannel)
                {
                    continue;   // it arrived, which is all it says
                }

                log?.Log(CommunicationEvent.Of(new MessageEvent(false, header)));

                for (int t = header.TargetLower; t < header.TargetUpper; t++)
                {
                    if (_group.HasFinished(t))
                    {
                        continue;   // the worker has returned: nobody will read it
                    }

                    int l = t - _first;
                    writers[l].Send(0, frame);
                    touched[l] = true;
                    _bells[t].RingIfSleeping();
                    if (writers[l].OverflowCount > 0)
                    {
                        // The worker is behind: wait for room now rather than spill the rest of
                        // the read buffer (thousands of small frames, each a pooled copy, most
                        // beyond what the pool keeps: measured 14.8 B allocated per 64 B message).
                        Publish(writers, touched);
                    }
                }
            }
        }
#pragma warning disable CA1031 // a failure of the receive path fails the job by name instead of crashing the process
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(e);
        }
        finally
        {
            // Only the holder ends the turn; a thread that waited for its turn and found the
            // stream ended holds nothing, and ending again changes nothing.
            turn?.End();
            NetworkLog.Close(log, false, _first / _threads, q);
            foreach (var writer in writers)
            {
                writer.Dispose();
            }

            reader.Dispose();
        }
    }

    /// <inheritdoc />
    public bool Poll()
    {
        if (!_turn!.WorkerHas)
        {
            return false;
        }

        try
        {
            if (_reader.ReadReady)
            {
                return true;
            }

            _polled = _reader.TryReceive();
            return _polled && _reader.ReadReady;
        }
#pragma warning disable CA1031 // the failure goes to the group, which the worker's next look throws
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(e);
            _turn.End();
            return true;
        }
    }

    /// <inheritdoc />
    public bool Request() => _turn!.Request();

    /// <inheritdoc />
    public bool TryTake(ref bool received, out ReadOnlySpan<byte> frame)
    {
        frame = default;
        var turn = _turn!;
        if (!turn.WorkerHas)
        {
            return false;   // the stream ended in an earlier take of this receive
        }

        try
        {
            while (true)
            {
                if (!_reader.ReadReady)
                {
                    if (received || _polled)
                    {
                        // An idle look's receive just brought what is buffered: the receive that
                        // follows it would almost always find the queue empty (one EAGAIN recvfrom
                        // per message); the next look or receive reads again.
                        _polled = false;
                        return false;
                    }

                    received = true;
                    if (!_reader.TryReceive() || !_reader.ReadReady)
                    {
                        return false;
                    }
                }

                if (!_reader.Read(out var header, out frame))
                {
                    EndOfStream();
                    turn.End();
                    return false;
                }

                if (header.Channel == TcpFabric.FailureChannel)
                {
                    TcpFailureNotice.Report(_group, _connection, frame, _first, _threads);
                    turn.End();
                    frame = default;
                    return false;
                }

                if (header.Channel != TcpFabric.HeartbeatChannel)
                {
                    return true;   // for this worker: the reader checked its targets against this process's one worker
                }
            }
        }
#pragma warning disable CA1031 // the failure goes to the group, which the worker's next look throws
        catch (Exception e)
#pragma warning restore CA1031
        {
            Failed(e);
            turn.End();
            frame = default;
            return false;
        }
    }

    /// <inheritdoc />
    public bool Holding => _turn?.WorkerHas ?? false;

    /// <inheritdoc />
    public void BeforePark() => _turn!.Park();

    /// <inheritdoc />
    public void Surrender() => _turn?.Surrender();

    /// <summary>The peer ended its stream: its workers count as finished.</summary>
    private void EndOfStream()
    {
        for (int t = _q * _threads; t < (_q + 1) * _threads; t++)
        {
            _group.MarkFinished(t);
        }
    }

    /// <summary>A broken or hostile connection fails the job naming the peer, unless it is the reset a failed, stopping fabric made itself.</summary>
    private void Failed(Exception e)
    {
        if (e is TcpTransportException transport)
        {
            if (!(_stopping() && _group.HasFailed))
            {
                _group.Fail(_q * _threads, transport);
            }

            return;
        }

        _group.Fail(_q * _threads, new TcpTransportException($"receiving from {_connection.Name} failed: {e.GetType().Name}: {e.Message}", e) { Peer = _connection.Name });
    }

    /// <summary>Before blocking on the socket: move spilled frames into the rings (waiting for room), then wake the workers that got any.</summary>
    private void Publish(RingWriter[] writers, bool[] touched)
    {
        for (int l = 0; l < writers.Length; l++)
        {
            var spinner = default(SpinWait);
            while (touched[l] && !writers[l].Flush() && !_group.HasFinished(_first + l) && !_group.HasFailed)
            {
                // The worker is behind: wake it and wait for room (TCP pushes back on the peer).
                FenceThenRing.One(_bells[_first + l]);
                spinner.SpinOnce();
            }
        }

        FenceThenRing.Flagged(touched, new DoorbellList(_bells, _first));
    }
}
