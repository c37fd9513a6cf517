using System.Runtime.InteropServices;
using Timely.Communication;
using Timely.Dataflow.Channels;
using Timely.Dataflow.Logging;
using Timely.Logging;

namespace Timely.Dataflow.Progress;

/// <summary>
/// Exchanges one scope's progress batches among all workers (timely's <c>Progcaster</c>): sends
/// this worker's batch to every worker, itself included, and hands over received batches whole,
/// in order per sender.
/// </summary>
/// <remarks>
/// A batch is applied whole and in sender order or the frontiers it guards can pass a record in
/// flight, so each message carries its sender's sequence number and a gap or repeat fails loudly
/// instead of letting a frontier advance early. A batch from another worker crossed a transport
/// and is checked before any of it is used: its sender is a worker of the job, and every
/// location is a port of this dataflow (<see cref="Shape"/>), so a corrupted or hostile batch
/// is an error naming the sender, not an index out of range inside the tracker.
/// </remarks>
internal sealed class ProgressBroadcaster<T>
{
    // Design: owned by the worker thread that built the scope. Progress leaves through one pusher
    // per worker and arrives through one puller; the allocator keeps each sender's messages in
    // order (its own design comments give the publication order), so the only state here is this
    // worker's sequence number and the next one expected from each sender, both thread-local.
    // Messages are recycled: the last one sent to each worker comes back through the push slot
    // and is refilled next time, so a step that sends allocates nothing once each slot has one.
    private readonly IPush<ProgressMessage<T>>[] _out;
    private readonly IPull<ProgressMessage<T>> _in;
    private readonly ProgressMessage<T>?[] _spare;
    private readonly long[] _expected;
    private readonly int _worker;
    private readonly int _dataflowIndex;
    private readonly Logger<TimelyEvent>? _log;
    private long _sequence;

    /// <summary>Allocates channel <paramref name="channel"/> of <paramref name="allocator"/> for the progress of dataflow <paramref name="dataflowIndex"/>.</summary>
    public ProgressBroadcaster(Allocator allocator, int channel, int dataflowIndex, Logger<TimelyEvent>? log)
    {
        DataflowCodecs.EnsureProgress<T>();
        (_out, _in) = allocator.Allocate<ProgressMessage<T>>(channel);
        _spare = new ProgressMessage<T>?[allocator.Peers];
        _expected = new long[allocator.Peers];
        _worker = allocator.Index;
        Channel = channel;
        _dataflowIndex = dataflowIndex;
        _log = log;
    }

    /// <summary>The dataflow's graph, against which received locations are checked (set once the scope is built).</summary>
    internal Tracker<T>? Shape { get; set; }

    /// <summary>The channel that carries the batches.</summary>
    public int Channel { get; }

    /// <summary>Batches this worker has sent.</summary>
    public long Sent => _sequence;

    /// <summary>Sends <paramref name="updates"/> to every worker as this worker's next batch.</summary>
    public void Send(ReadOnlySpan<((Location Location, T Time) Item, long Diff)> updates)
    {
        for (int w = 0; w < _out.Length; w++)
        {
            var message = _spare[w] ?? new ProgressMessage<T>();
            message.Source = _worker;
            message.Sequence = _sequence;
            var list = message.Updates;
            list.Clear();
            list.EnsureCapacity(updates.Length);   // one array of the batch's size, not a doubling chain from four
            foreach (var ((location, time), diff) in updates)
            {
                list.Add((location, time, diff));
            }

            _out[w].Push(ref message);
            _spare[w] = message;
        }

        _log?.Log(TimelyEvent.Progress(true, _worker, Channel, _sequence, updates.Length));
        _sequence++;
    }

    /// <summary>
    /// The updates of the next batch that has arrived, or false when none has. The list is the
    /// message's own and is valid until the next call.
    /// </summary>
    public bool TryReceive(out List<(Location Location, T Time, long Diff)> updates)
    {
        var message = _in.Pull();
        if (message is null)
        {
            updates = null!;
            return false;
        }

        int source = message.Source;
        if ((uint)source >= (uint)_expected.Length)
        {
            throw new InvalidDataException(
                $"dataflow {_dataflowIndex}: a progress batch claims to come from worker {source}; the job has workers 0..{_expected.Length - 1}");
        }

        if (Shape is { } shape)
        {
            foreach (var (location, _, _) in CollectionsMarshal.AsSpan(message.Updates))
            {
                if (!shape.HasPort(location))
                {
                    throw new InvalidDataException(
                        $"dataflow {_dataflowIndex}: progress from worker {source} (batch {message.Sequence}) names {location}, a port this dataflow does not have ({shape.NodeCount} operators): that worker built another dataflow, or the batch was corrupted");
                }
            }
        }

        if (message.Sequence != _expected[source])
        {
            throw new InvalidOperationException(
                $"dataflow {_dataflowIndex}: progress from worker {source} arrived out of order (sequence {message.Sequence}, expected {_expected[source]})");
        }

        _expected[source]++;
        _log?.Log(TimelyEvent.Progress(false, source, Channel, message.Sequence, message.Updates.Count));
        updates = message.Updates;
        return true;
    }
}
