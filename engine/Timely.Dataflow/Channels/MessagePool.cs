using System.Runtime.CompilerServices;

namespace Timely.Dataflow.Channels;

/// <summary>
/// The empty messages of one worker at one timestamp and record type, ready to be filled: what
/// the receivers of the worker's pipeline channels have released, handed to whichever of the
/// worker's outputs, exchanges or channels needs one next.
/// </summary>
/// <remarks>
/// Design: each pipeline channel kept its own stack of released messages and handed them back
/// only to its own sender. A sender that pushes a whole time's output in one run (pagerank's
/// operator: about 1200 messages at its largest time) finds its channel's stack empty and makes
/// a message per batch, while the operator downstream, forwarding those batches, releases as
/// many into a stack that only the upstream sender draws from; each hop of a chain made its own
/// copy of the burst. One pool per worker lets the next hop fill what the previous hop's reader
/// just released, so a chain holds about one burst of messages instead of one per hop. The
/// receiving ends of channels that cross as bytes (shared memory, TCP, <c>ProcessBinary</c>) decode
/// into messages from here and return them here too, so a burst received from another process
/// fills the worker's next burst instead of waiting in a store of its channel's own.
/// <para>
/// A message and the room for a batch (its list's array, <see cref="Message{T, TData}.BatchSize"/>
/// records) are pooled apart. Filling needs room (<see cref="Reserve"/>, <see cref="Rent"/>);
/// passing a received batch on (<see cref="RentCarrier"/>) needs only a message to carry the
/// batch's own list, and gives the received message the carrier's list in exchange. A carrier
/// made while the pool was empty brought a new array of a batch's room, which went back to the
/// received message's sender unused: in <c>exchange 100000 1000 -w 2</c> the exchange operator
/// forwarding a burst of 392 batches into its pipeline made 392 such arrays (3.2 MB), as much as
/// the records in flight, and each worker held twice Rust's records. A carrier made now is a
/// shell (an empty list, no array), and room is made only where records are written, from a
/// returned array when there is one (<see cref="Reserve"/>). A carrier taken from a stocked pool
/// still brings its room, so a received message goes back to its sender ready to refill, as
/// before: in the steady state nothing is made.
/// </para>
/// <para>
/// A message is made as a shell first and its room after, and shells are made
/// <see cref="ShellBlock"/> at a time (<see cref="NewShell"/>), so the pool's first fill
/// allocates a batch's array alone, not a message, a list and an array one after the other.
/// The runtime hands each thread its own stretch of the heap to allocate small objects from (an
/// allocation context of about 8 KiB); an array of a batch's room (8,216 bytes at
/// <c>ulong</c>) never fits in what the message and its list leave of it, so every batch
/// started a new stretch, and where the other worker had allocated in between, the runtime
/// abandoned the rest of the old one, already zeroed and so resident. In
/// <c>exchange 100000 1000 -w 2</c> on a host where both workers run at once, the first fill
/// (398 arrays, 3.3 MB) spread over 5.4-6.0 MB of the heap, about 6 KB more a batch,
/// 1.1 MB of it whole zero pages (<c>/proc/PID/pagemap</c> and <c>mem</c> read at exit, the
/// same 398 arrays and the same bytes allocated as a run that held them in 3.5 MB): the upper
/// mode of that row's peak, 2-3 MB above the rest. Arrays allocated back to back fill their
/// stretches exactly, so another thread in between costs nothing; what a block of shells
/// leaves is at most one stretch per block.
/// </para>
/// Owned by the worker thread (every channel that returns to it is a same-thread one); a
/// message is in the pool at most once: <see cref="Return"/> refuses a message that is already
/// there, so a path that released a message twice fails at once instead of handing one list to
/// two senders.
/// </remarks>
internal sealed class MessagePool<T, TData> : Communication.IRecycler<Message<T, TData>>
{
    private readonly Stack<Message<T, TData>> _free = new();     // lists with a batch's room
    private readonly Stack<Message<T, TData>> _shells = new();   // lists without

    /// <summary>How many shells <see cref="NewShell"/> makes at once: the first fill's arrays then come one after another, not after a message and a list each.</summary>
    internal const int ShellBlock = 32;

    // Shells made ahead and not yet handed out: not in the pool (Count, Created count a message
    // when it is handed out), made and kept by this thread only.
    private Message<T, TData>[]? _ahead;
    private int _aheadCount;

    /// <summary>Messages waiting to be reused.</summary>
    public int Count => _free.Count + _shells.Count;

    /// <summary>Messages waiting that hold a batch's room (an array of <see cref="Message{T, TData}.BatchSize"/> records).</summary>
    public int RoomCount => _free.Count;

    /// <summary>Messages this pool made because it had none to hand out.</summary>
    public long Created { get; private set; }

    /// <summary>Arrays of a batch's room this pool made because none was waiting (<see cref="Rent"/>, <see cref="Reserve"/>).</summary>
    public long RoomMade { get; private set; }

    /// <summary>A released message (its list empty, with a batch's room when one waits), or null when none is waiting.</summary>
    public Message<T, TData>? TryRent()
    {
        if (_free.TryPop(out var message) || _shells.TryPop(out message))
        {
            message.Pooled = false;
            return message;
        }

        return null;
    }

    /// <summary>A released message, or a new one when none is waiting; its list is empty with a batch's room either way.</summary>
    public Message<T, TData> Rent()
    {
        if (_free.TryPop(out var message))
        {
            message.Pooled = false;
            return message;
        }

        if (_shells.TryPop(out message))
        {
            message.Pooled = false;
            RoomMade++;
            message.Data.Capacity = Message<T, TData>.BatchSize;
            return message;
        }

        Created++;
        RoomMade++;
        var made = NewShell();
        made.Data.Capacity = Message<T, TData>.BatchSize;
        return made;
    }

    /// <summary>
    /// A message to carry a received batch's own list on (its list is swapped in, the carrier's
    /// goes to the received message): a released one, with its room when it has some, else a new
    /// one whose list has no array.
    /// </summary>
    public Message<T, TData> RentCarrier()
    {
        if (TryRent() is { } message)
        {
            return message;
        }

        Created++;
        return NewShell();
    }

    /// <summary>
    /// Empties <paramref name="message"/> (owned by the caller) and makes sure its list has a
    /// batch's room, taking the array of a waiting message when it has none (that message goes
    /// back as a shell) and making one only when none waits; returns the list's array.
    /// </summary>
    public TData[] Reserve(Message<T, TData> message)
    {
        message.Data.Clear();
        if (message.Data.Capacity < Message<T, TData>.BatchSize)
        {
            if (_free.TryPop(out var stocked))
            {
                (message.Data, stocked.Data) = (stocked.Data, message.Data);
                _shells.Push(stocked);
            }
            else
            {
                RoomMade++;
            }
        }

        return ListStorage<TData>.Reserve(message.Data, Message<T, TData>.BatchSize);
    }

    /// <summary>
    /// Takes the room of <paramref name="list"/>, a batch's list an operator took from its message
    /// and is done with: it goes into a waiting shell (or a new message) with its records
    /// dropped. A list with less than a batch's room is left to the collector.
    /// </summary>
    public void Adopt(List<TData> list)
    {
        if (list.Capacity < Message<T, TData>.BatchSize)
        {
            return;
        }

        list.Clear();
        if (_shells.TryPop(out var message))
        {
            message.Data = list;
        }
        else
        {
            Created++;
            message = NewShell();
            message.Data = list;
            message.Pooled = true;
        }

        _free.Push(message);
    }

    /// <summary>A new message whose list has no array, from the shells made ahead (<see cref="ShellBlock"/> at a time).</summary>
    private Message<T, TData> NewShell()
    {
        if (_aheadCount == 0)
        {
            MakeShells();
        }

        var shell = _ahead![--_aheadCount];
        _ahead[_aheadCount] = null!;
        return shell;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MakeShells()
    {
        _ahead ??= new Message<T, TData>[ShellBlock];
        for (int i = 0; i < ShellBlock; i++)
        {
            _ahead[i] = Message<T, TData>.Shell();
        }

        _aheadCount = ShellBlock;
    }

    /// <summary>Takes back a message nobody reads any more; its records are dropped.</summary>
    /// <exception cref="InvalidOperationException">The message is already in the pool.</exception>
    public void Return(Message<T, TData> message)
    {
        if (message.Pooled)
        {
            throw new InvalidOperationException("a message was released twice: it would be handed to two senders");
        }

        message.Data.Clear();
        message.Pooled = true;
        (message.Data.Capacity >= Message<T, TData>.BatchSize ? _free : _shells).Push(message);
    }
}
