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
//   each ring to a local worker (the writers are locals of Run), so the rings stay SPSC.
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
internal sealed class TcpReceivePath
{
    private readonly int _q;
    private readonly PeerConnection _connection;
    private readonly SpscByteRing[] _rings;
    private readonly WorkerGroup _group;
    private readonly Doorbell[] _bells;
    private readonly int _first;
    private readonly int _threads;

    /// <summary>
    /// From process <paramref name="q"/> over <paramref name="connection"/> into
    /// <paramref name="rings"/> (one per local worker); <paramref name="bells"/> by global
    /// worker, this process's workers <paramref name="first"/> .. + <paramref name="threads"/>.
    /// </summary>
    public TcpReceivePath(int q, PeerConnection connection, SpscByteRing[] rings, WorkerGroup group, Doorbell[] bells, int first, int threads)
    {
        _q = q;
        _connection = connection;
        _rings = rings;
        _group = group;
        _bells = bells;
        _first = first;
        _threads = threads;
    }

    /// <summary>
    /// The receive thread: until the peer's end of stream (its workers then count as finished),
    /// a failure notice, or a failure. <paramref name="stopping"/> tells whether the fabric is
    /// being disposed (a failure then may be the reset it made itself).
    /// </summary>
    public void Run(int maxMessageBytes, TimeSpan silenceBound, Func<CommunicationSetup, Timely.Logging.Logger<CommunicationEvent>?>? logFactory, Func<bool> stopping)
    {
        int q = _q;
        int w = _threads;
        var writers = _rings.Select(r => new RingWriter(r)).ToArray();
        var touched = new bool[w];
        using var reader = new FrameReader(_connection.Socket, _connection.Name, maxMessageBytes, q * w, (q + 1) * w, _first, _first + w)
        {
            SilenceBound = silenceBound,
        };
        var log = NetworkLog.Open(logFactory, false, _first / _threads, q);
        try
        {
            while (true)
            {
                if (!reader.HasBufferedFrame)
                {
                    Publish(writers, touched);
                }

                if (!reader.Read(out var header, out ReadOnlySpan<byte> frame))
                {
                    Publish(writers, touched);
                    for (int t = q * w; t < (q + 1) * w; t++)
                    {
                        _group.MarkFinished(t);
                    }

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
        catch (TcpTransportException e)
        {
            if (!(stopping() && _group.HasFailed))
            {
                _group.Fail(q * w, e);
            }
        }
#pragma warning disable CA1031 // a failure of the receive path fails the job by name instead of crashing the process
        catch (Exception e)
#pragma warning restore CA1031
        {
            _group.Fail(q * w, new TcpTransportException($"receiving from {_connection.Name} failed: {e.GetType().Name}: {e.Message}", e) { Peer = _connection.Name });
        }
        finally
        {
            NetworkLog.Close(log, false, _first / _threads, q);
            foreach (var writer in writers)
            {
                writer.Dispose();
            }
        }
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
