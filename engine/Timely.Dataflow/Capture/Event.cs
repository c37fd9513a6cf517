using System.Runtime.InteropServices;
using System.Text;

namespace Timely.Dataflow.Capture;

/// <summary>
/// One item of a captured stream, as timely's <c>Event&lt;T, D&gt;</c>: either a batch of
/// progress updates or a batch of data at a time. The two cases are the nested types
/// <see cref="Progress"/> and <see cref="Messages"/>; the type is closed (private constructor).
/// </summary>
/// <remarks>
/// Equality is structural (element-wise over the lists) so tests can compare events;
/// <see cref="object.ToString"/> prints what Rust's <c>{:?}</c> prints, e.g.
/// <c>Messages(0, ["hello, 0"])</c> or <c>Progress([(0, -1)])</c>.
/// </remarks>
public abstract class Event<T, TData> : IEquatable<Event<T, TData>>
{
    private Event()
    {
    }

    /// <summary>bincode variant index of this case (0 = Progress, 1 = Messages).</summary>
    internal abstract uint Tag { get; }

    /// <summary>Whether <paramref name="other"/> is the same case with equal fields, lists compared element by element.</summary>
    public abstract bool Equals(Event<T, TData>? other);

    /// <summary>Whether <paramref name="obj"/> is an event equal to this one (see <see cref="Equals(Event{T, TData})"/>).</summary>
    public override bool Equals(object? obj) => obj is Event<T, TData> other && Equals(other);

    /// <summary>A hash over the case's fields and every list element, consistent with <see cref="Equals(Event{T, TData})"/>.</summary>
    public abstract override int GetHashCode();

    /// <summary>What Rust's <c>{:?}</c> prints for the event, e.g. <c>Messages(0, ["hello, 0"])</c>.</summary>
    public abstract override string ToString();

    /// <summary>Progress updates: for each time, the change in the count of capabilities.</summary>
    public sealed class Progress : Event<T, TData>
    {
        /// <summary>A progress event holding <paramref name="updates"/> (the list is kept, not copied).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="updates"/> is null.</exception>
        public Progress(List<(T Time, long Diff)> updates)
        {
            ArgumentNullException.ThrowIfNull(updates);
            Updates = updates;
        }

        /// <summary>Per time, the change in the number of capabilities at that time (+1 a time enters the frontier, -1 it leaves).</summary>
        public List<(T Time, long Diff)> Updates { get; }

        internal override uint Tag => 0;

        /// <inheritdoc />
        public override bool Equals(Event<T, TData>? other) =>
            other is Progress p && CollectionsMarshal.AsSpan(Updates).SequenceEqual(CollectionsMarshal.AsSpan(p.Updates));

        /// <inheritdoc />
        public override int GetHashCode() => HashOf(Updates);

        /// <summary>Rust's <c>{:?}</c>, e.g. <c>Progress([(0, -1), (1, 1)])</c>.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder("Progress(");
            RustDebug.Append(sb, Updates);
            return sb.Append(')').ToString();
        }
    }

    /// <summary>Data records, all at <see cref="Time"/>.</summary>
    public sealed class Messages : Event<T, TData>
    {
        /// <summary>A data event: <paramref name="data"/> at <paramref name="time"/> (the list is kept, not copied).</summary>
        /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
        public Messages(T time, List<TData> data)
        {
            ArgumentNullException.ThrowIfNull(data);
            Time = time;
            Data = data;
        }

        /// <summary>The time of every record in <see cref="Data"/>.</summary>
        public T Time { get; }

        /// <summary>The records, in the order the stream carried them.</summary>
        public List<TData> Data { get; }

        internal override uint Tag => 1;

        /// <inheritdoc />
        public override bool Equals(Event<T, TData>? other) =>
            other is Messages m && EqualityComparer<T>.Default.Equals(Time, m.Time) &&
            CollectionsMarshal.AsSpan(Data).SequenceEqual(CollectionsMarshal.AsSpan(m.Data));

        /// <inheritdoc />
        public override int GetHashCode() => HashCode.Combine(Time, HashOf(Data));

        /// <summary>Rust's <c>{:?}</c>, e.g. <c>Messages(0, ["hello, 0"])</c>.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder("Messages(");
            RustDebug.Append(sb, Time);
            sb.Append(", ");
            RustDebug.Append(sb, Data);
            return sb.Append(')').ToString();
        }
    }

    private static int HashOf<TItem>(List<TItem> items)
    {
        var hash = default(HashCode);
        foreach (TItem item in items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }
}
