using System.Threading.Channels;
using Timely.Dataflow.Operators.Generic;
using Timely.Dataflow.Timestamps;

namespace Timely.Dataflow.Operators;

/// <summary>
/// Sources fed from async code: a <see cref="ChannelReader{T}"/> or an
/// <see cref="IAsyncEnumerable{T}"/> that other threads or tasks write to. The source's
/// worker parks while nothing arrives and is woken when a record does (a
/// <see cref="SyncActivator"/>), and its time moves as the caller says: each record carries its
/// own time (<c>timeOf</c>), and a record at a later time tells the dataflow that no record
/// at an earlier time will come from this source.
/// </summary>
/// <remarks>
/// Every worker builds the source with its own reader, or all of them with one shared reader
/// (each record is then read by one of them). The stream ends when the reader completes (the
/// writer's <see cref="ChannelWriter{T}.Complete"/>), or when the run is cancelled
/// (<see cref="Worker.Cancellation"/>); a reader completed with an exception fails the worker
/// with it. A record whose time is earlier than one the source has already moved to is a
/// caller's error: it fails the worker with an <see cref="InvalidOperationException"/> naming
/// both times. With a <see cref="SourceBound{T}"/> (or the job's <c>Config.OverflowBudgetBytes</c>)
/// the source stops reading while the dataflow is behind (the channel's own bound, or the
/// bounded channel of the <see cref="IAsyncEnumerable{T}"/> form, then holds the writer back)
/// and looks again a millisecond later; each time it moves to a later time counts as one
/// outstanding time.
/// </remarks>
public static class AsyncSourceOperators
{
    /// <summary>Records read from the channel in one activation before the source lets other operators run.</summary>
    public const int RecordsPerActivation = 4096;

    /// <summary>
    /// A stream of the records of <paramref name="reader"/>, each at the time
    /// <paramref name="timeOf"/> gives it; times must not go back. With <paramref name="bound"/>
    /// the source stops reading while the dataflow is that far behind.
    /// </summary>
    public static Stream<T, TData> SourceFrom<T, TData>(this Scope<T> scope, ChannelReader<TData> reader, Func<TData, T> timeOf, SourceBound<T>? bound = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(timeOf);
        return Build(scope, "SourceFromChannel", reader, timeOf, bound, onFirstRun: null);
    }

    /// <summary>
    /// A stream of the items of <paramref name="items"/>, each at the time <paramref name="timeOf"/>
    /// gives it; times must not go back. The sequence is enumerated on the thread pool (into a
    /// bounded channel of <paramref name="capacity"/> items, so a slow dataflow slows it down),
    /// starting when the dataflow first runs, with <see cref="Worker.Cancellation"/> as its token.
    /// With <paramref name="bound"/> the source stops reading while the dataflow is that far
    /// behind, and the full channel then stops the enumeration.
    /// </summary>
    public static Stream<T, TData> SourceFrom<T, TData>(this Scope<T> scope, IAsyncEnumerable<TData> items, Func<TData, T> timeOf, int capacity = 1024, SourceBound<T>? bound = null)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        var channel = Channel.CreateBounded<TData>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        var token = scope.Worker.Cancellation;
        scope.Worker.OnCancel(() => channel.Writer.TryComplete());
        return Build(scope, "SourceFromAsyncEnumerable", channel.Reader, timeOf, bound, onFirstRun: () => _ = Pump(items, channel.Writer, token));
    }

    private static Stream<T, TData> Build<T, TData>(Scope<T> scope, string name, ChannelReader<TData> reader, Func<TData, T> timeOf, SourceBound<T>? bound, Action? onFirstRun) =>
        scope.Source<T, TData>(name, (capability, index) =>
            new ChannelSource<T, TData>(scope, reader, timeOf, capability, scope.SyncActivatorFor(index), onFirstRun)
            {
                Gate = new SourceGate<T>(scope.Worker, scope.DataflowIndex, index, bound),
                Later = scope.ActivatorFor(index),
            }.Run);

    private static async Task Pump<TData>(IAsyncEnumerable<TData> items, ChannelWriter<TData> writer, CancellationToken token)
    {
        try
        {
            await foreach (var item in items.WithCancellation(token).ConfigureAwait(false))
            {
                await writer.WriteAsync(item, token).ConfigureAwait(false);
            }

            writer.TryComplete();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (ChannelClosedException)
        {
            // The source closed the channel (the run was cancelled): nothing more to deliver.
        }
#pragma warning disable CA1031 // the sequence's failure is handed to the source, which fails its worker with it
        catch (Exception e)
#pragma warning restore CA1031
        {
            writer.TryComplete(e);
        }
    }

    /// <summary>The logic of one channel source.</summary>
    private sealed class ChannelSource<T, TData>
    {
        // Design: Run and Close execute on the worker thread only. The one cross-thread path is
        // the wake-up: when the channel is found empty, a continuation on WaitToReadAsync calls the
        // SyncActivator from whatever thread completes it (the writer's, or the pool's). At most
        // one such wait is outstanding: _armed is set by the worker when it arms one and cleared
        // by the continuation before it activates (Volatile both ways), so the run that the
        // activation causes can arm the next. A record written between the empty TryRead and the
        // wait's start completes the wait at once, so no arrival is missed.
        private readonly ChannelReader<TData> _reader;
        private readonly Func<TData, T> _timeOf;
        private readonly SyncActivator _activator;
        private readonly Diagnostics.LatestInputTime<T> _latest;
        private Capability<T>? _capability;
        private long _heldSince;
        private int _armed;
        private Action? _onFirstRun;

        public ChannelSource(Scope<T> scope, ChannelReader<TData> reader, Func<TData, T> timeOf, Capability<T> capability, SyncActivator activator, Action? onFirstRun)
        {
            _onFirstRun = onFirstRun;
            _reader = reader;
            _timeOf = timeOf;
            _capability = capability;
            _activator = activator;
            _latest = scope.LatestInputTime;
            _latest.Advance(capability.Time);
            scope.Worker.OnCancel(() =>
            {
                // Run once more: the capability given up outside a run reaches progress tracking
                // with the operator's next run.
                Close();
                _activator.Activate();
            });
        }

        /// <summary>The source's flow control (inactive without a bound or budget).</summary>
        public required SourceGate<T> Gate { get; init; }

        /// <summary>Runs the source again after a delay, while it is held back.</summary>
        public required OperatorActivator Later { get; init; }

        public void Run(OutputPort<T, TData> output)
        {
            if (_onFirstRun is { } first)
            {
                _onFirstRun = null;
                first();
            }

            var capability = _capability;
            if (capability is null)
            {
                return;
            }

            if (Gate.Active && HeldBack(output))
            {
                return;
            }

            var traits = TimestampTraits<T>.Default;
            for (int n = 0; n < RecordsPerActivation; n++)
            {
                if (!_reader.TryRead(out var item))
                {
                    if (_reader.Completion.IsCompleted)
                    {
                        output.Flush();
                        Close();
                        _reader.Completion.GetAwaiter().GetResult();   // a writer's exception fails the worker with it
                        return;
                    }

                    ArmWake();
                    return;
                }

                var time = _timeOf(item);
                if (!EqualityComparer<T>.Default.Equals(capability.Time, time))
                {
                    if (!traits.LessEqual(capability.Time, time))
                    {
                        throw new InvalidOperationException($"async source: a record at time {time} arrived after the source moved to time {capability.Time}; times from timeOf must not go back.");
                    }

                    output.Flush();
                    var left = capability.Time;
                    capability.Downgrade(time);
                    _latest.Advance(time);
                    if (Gate.Active)
                    {
                        Gate.Left(left);
                        if (HeldBack(output))
                        {
                            output.Session(capability).Give(item);
                            return;
                        }
                    }
                }

                output.Session(capability).Give(item);
            }

            _activator.Activate();   // more may be waiting: run again at the next step, after the others
        }

        /// <summary>
        /// Whether the source must stop reading now: then it sends what it has and runs again
        /// after <see cref="SourceGate{T}.Poll"/>; the time from the first such run to the run
        /// that reads again is held back.
        /// </summary>
        private bool HeldBack(OutputPort<T, TData> output)
        {
            if (Gate.MustWait)
            {
                if (_heldSince == 0)
                {
                    _heldSince = System.Diagnostics.Stopwatch.GetTimestamp();
                }

                output.Flush();
                Later.ActivateAfter(SourceGate<T>.Poll);
                return true;
            }

            if (_heldSince != 0)
            {
                Gate.Held(System.Diagnostics.Stopwatch.GetTimestamp() - _heldSince);
                _heldSince = 0;
            }

            return false;
        }

        private void ArmWake()
        {
            if (Volatile.Read(ref _armed) != 0)
            {
                return;
            }

            var wait = _reader.WaitToReadAsync();
            if (wait.IsCompleted)
            {
                _activator.Activate();
                return;
            }

            Volatile.Write(ref _armed, 1);
            _ = wait.AsTask().ContinueWith(static (_, self) => ((ChannelSource<T, TData>)self!).Woken(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        /// <summary>Any thread: the armed wait completed; the next run may arm another.</summary>
        private void Woken()
        {
            Volatile.Write(ref _armed, 0);
            _activator.Activate();
        }

        private void Close()
        {
            _capability?.Dispose();
            _capability = null;
        }
    }
}
