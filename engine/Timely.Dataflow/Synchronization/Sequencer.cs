using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Timely.Bytes;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Operators;
using Timely.Dataflow.Operators.Generic;

namespace Timely.Dataflow.Synchronization;

/// <summary>
/// A shared ordered log (timely's <c>synchronization::Sequencer</c>): every worker may
/// <see cref="Push"/> elements, and every worker reads all workers' elements through
/// <see cref="TryNext"/> in one order, the same on every worker.
/// </summary>
/// <typeparam name="T">
/// The element type. In one process every worker receives the same instance of an element
/// (Rust clones it), so push values that nobody changes afterwards.
/// </typeparam>
/// <remarks>
/// <para>
/// Each sequencer is a dataflow of two operators. A source on every worker stamps the
/// elements pushed there with the worker's clock (its capability's time) and sends a copy to
/// every worker; a sink on every worker keeps what it receives until the frontier has passed
/// its time, then releases it in the order (time, pushing worker, that worker's push count).
/// Every worker receives the same records and releases a time only when no worker can still
/// send at it, so every worker reads the same sequence. Timely sorts by time and push count
/// only; the pushing worker is added here so that two workers' elements stamped with the same
/// time come out in the same order everywhere.
/// </para>
/// <para>
/// A time is released once every worker's clock has passed it. A source runs only when its
/// worker pushes, so an idle worker's clock would stand still and hold everyone back; as in
/// timely, a sink that receives records wakes its source, which then reschedules itself until
/// its time has passed the latest time received (timely's <c>CatchupActivator</c>), and goes
/// quiet again after that.
/// </para>
/// <para>
/// Build it on every worker, in the same order among the worker's dataflows, and use it from its
/// worker's thread only. The worker closes it (as an input) when its logic returns, which is
/// where Rust drops it; <see cref="Close"/> does so earlier. The worker must keep stepping for
/// elements to move: a push is sent at the worker's next step.
/// </para>
/// </remarks>
public sealed class Sequencer<[WireEncoded] T> : IDisposable
{
    private readonly Queue<T> _send = new();
    private readonly Queue<T> _received;
    private OperatorActivator? _activator;

    // Timely's CatchupActivator.catchup_until: set by the sink to the latest time it holds,
    // cleared by the source once its capability has reached that time.
    private ulong? _catchUpUntil;
    private bool _closed;

    /// <summary>
    /// A sequencer whose clock is the time elapsed since now, in <see cref="Stopwatch"/> ticks
    /// (timely's <c>Sequencer::new(worker, Instant::now())</c>).
    /// </summary>
    /// <param name="worker">The worker it belongs to; every worker builds one.</param>
    public Sequencer(Worker worker)
        : this(worker, ElapsedTicks(), [])
    {
    }

    /// <summary>
    /// A sequencer whose elements are stamped with <paramref name="clock"/>'s value when they are
    /// sent (timely's <c>Sequencer::new(worker, timer)</c> reads <c>timer.elapsed()</c>).
    /// </summary>
    /// <param name="worker">The worker it belongs to; every worker builds one.</param>
    /// <param name="clock">
    /// This worker's time, read on its thread each time the source runs; it should never decrease
    /// (a smaller value than the last is read as the last). Elements are ordered by it, so a
    /// logical clock, such as a round number, makes the order reproducible.
    /// </param>
    public Sequencer(Worker worker, Func<ulong> clock)
        : this(worker, clock, [])
    {
    }

    /// <summary>
    /// A sequencer whose first elements on this worker are <paramref name="preload"/>, read before
    /// anything sequenced and not sent to other workers (timely's <c>Sequencer::preloaded</c>).
    /// </summary>
    /// <param name="worker">The worker it belongs to; every worker builds one.</param>
    /// <param name="clock">This worker's time, as for <see cref="Sequencer{T}(Worker, Func{ulong})"/>.</param>
    /// <param name="preload">Elements <see cref="TryNext"/> returns first, on this worker only.</param>
    public Sequencer(Worker worker, Func<ulong> clock, IEnumerable<T> preload)
    {
        ArgumentNullException.ThrowIfNull(worker);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(preload);
        _received = new Queue<T>(preload);

        // The record's codec, built without reflection (Native AOT) for serializing allocators.
        WireCodec.PrepareTuple<ulong, ulong, ulong, T>();
        ulong self = (ulong)worker.Index;
        ulong peers = (ulong)worker.Peers;
        worker.Dataflow<ulong>(scope =>
        {
            scope.AddInputHandle(this);
            scope.Source<ulong, (ulong Target, ulong Source, ulong Counter, T Element)>("SequenceInput", (capability, index) =>
                {
                    _activator = scope.ActivatorFor(index);
                    Capability<ulong>? held = capability;
                    ulong counter = 0;   // this worker's pushes so far: its elements' order among themselves
                    return output =>
                    {
                        if (held is null)
                        {
                            return;
                        }

                        ulong now = clock();
                        if (now > held.Time)
                        {
                            held.Downgrade(now);
                        }

                        if (_send.Count > 0)
                        {
                            var session = output.Session(held);
                            while (_send.TryDequeue(out var element))
                            {
                                for (ulong target = 0; target < peers; target++)
                                {
                                    session.Give((target, self, counter, element));
                                }

                                counter++;
                            }
                        }

                        if (_closed)
                        {
                            held.Dispose();
                            held = null;
                            _catchUpUntil = null;
                        }
                        else if (_catchUpUntil is { } until)
                        {
                            // Until the capability has passed the time, not only reached it (timely
                            // stops at reaching it): a time is released only once every clock is
                            // past it, so a capability left at exactly that time would hold it.
                            if (held.Time <= until)
                            {
                                _activator.Activate();
                            }
                            else
                            {
                                _catchUpUntil = null;
                            }
                        }
                    };
                })
                .Sink(Pact<(ulong Target, ulong Source, ulong Counter, T Element)>.Exchange(x => x.Target), "SequenceOutput", Release(new List<(ulong, ulong, ulong, T)>()));
        });
    }

    /// <summary>
    /// Adds <paramref name="element"/> to the log; it is sent at the worker's next step, stamped
    /// with the clock's value then.
    /// </summary>
    /// <param name="element">The element every worker will read.</param>
    /// <exception cref="InvalidOperationException">The sequencer is closed.</exception>
    public void Push(T element)
    {
        if (_closed)
        {
            throw new InvalidOperationException("The sequencer is closed: this worker can push no more elements.");
        }

        _send.Enqueue(element);
        _activator?.Activate();
    }

    /// <summary>
    /// The next element of the sequence, when one has been released (timely's <c>Iterator::next</c>).
    /// False means none is ready yet; step the worker and try again.
    /// </summary>
    /// <param name="element">The element, when the result is true.</param>
    /// <returns>Whether an element was returned.</returns>
    public bool TryNext([MaybeNullWhen(false)] out T element) => _received.TryDequeue(out element);

    /// <summary>
    /// Ends this worker's pushes (timely drops the sequencer): what was pushed is still sent, then
    /// this worker's clock stops holding back the others. Elements keep arriving through
    /// <see cref="TryNext"/> while the worker steps; once every worker has closed, the last of them
    /// are released and the sequencer's dataflow completes. Closing twice does nothing.
    /// </summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _activator?.Activate();
    }

    /// <summary>Closes the sequencer, as <see cref="Close"/>.</summary>
    public void Dispose() => Close();

    private static Func<ulong> ElapsedTicks()
    {
        long start = Stopwatch.GetTimestamp();
        return () => (ulong)(Stopwatch.GetTimestamp() - start);
    }

    // The sink's logic: gathers records with their time, and releases, in order, those whose time
    // the frontier has passed.
    private Action<InputPort<ulong, (ulong Target, ulong Source, ulong Counter, T Element)>> Release(List<(ulong Time, ulong Source, ulong Counter, T Element)> held) => input =>
    {
        while (input.TryNext(out var capability, out var data))
        {
            foreach (var (_, source, counter, element) in data)
            {
                held.Add((capability.Time, source, counter, element));
            }
        }

        if (held.Count == 0)
        {
            return;
        }

        // Keys are unique (one counter per pushing worker), so the order does not depend on arrival.
        held.Sort(static (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Source != b.Source ? a.Source.CompareTo(b.Source) : a.Counter.CompareTo(b.Counter));
        _catchUpUntil = held[^1].Time;
        _activator?.Activate();

        int ready = 0;
        while (ready < held.Count && !input.Frontier.LessEqual(held[ready].Time))
        {
            _received.Enqueue(held[ready].Element);
            ready++;
        }

        held.RemoveRange(0, ready);
    };
}
