using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Timely.Dataflow.Channels;

/// <summary>
/// The one place that reaches into a <see cref="List{T}"/>'s backing array, so that a producer
/// can write records straight into a message's list and publish them with one
/// <see cref="Commit"/> instead of staging them elsewhere and copying.
/// </summary>
/// <remarks>
/// Design: the input handle and the exchange pusher wrote every record twice, once into a
/// staging array and once more (a block copy) into the message's list; a profile of
/// <c>exchange 100000 1000 -w 2</c> put about a third of the workers' time in those copies.
/// <see cref="Reserve"/> makes sure the list can hold <see cref="Message{T, TData}.BatchSize"/>
/// records and returns its array; the caller writes <c>array[list.Count..]</c> and calls
/// <see cref="Commit"/> with the new count (<c>CollectionsMarshal.SetCount</c>, which neither
/// moves nor clears records when the count grows). Between the two nobody else may touch the
/// list: a reallocation or a <c>Clear</c> would lose the written records. The array comes from
/// the private field <c>_items</c> through <see cref="UnsafeAccessorAttribute"/> (no reflection:
/// trim- and AOT-safe); if a runtime ever renames it the first call throws
/// <see cref="MissingFieldException"/>, which <c>ListStorageTests</c> would show at once.
/// </remarks>
internal static class ListStorage<T>
{
    /// <summary>
    /// The backing array of <paramref name="list"/>, grown first (once) to hold at least
    /// <paramref name="capacity"/> records; records go at <c>[list.Count..]</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T[] Reserve(List<T> list, int capacity)
    {
        if (list.Capacity < capacity)
        {
            list.Capacity = capacity;
        }

        return Items(list);
    }

    /// <summary>Makes the first <paramref name="count"/> records of the backing array the list's contents.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Commit(List<T> list, int count) => CollectionsMarshal.SetCount(list, count);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_items")]
    private static extern ref T[] Items(List<T> list);
}
