using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Examples;

namespace Timely.PropTests.Examples;

/// <summary>
/// The examples' native runs against one <see cref="List{T}"/> per run given the same operations
/// (add, truncate, free) on a few runs in any order, across their moves to larger rooms and the
/// reuse of the rooms they leave: after every operation each run holds what its list holds (a move
/// that lost an element, or a room handed to two runs, would show in another run), and its room is
/// at least its count.
/// </summary>
public sealed class NativeRunsProperties
{
    private enum Kind
    {
        Add,
        Truncate,
        Free,
    }

    [Property(MaxTest = 100)]
    public Property Native_runs_hold_what_lists_given_the_same_operations_hold()
    {
        var operation = Gen.Zip(Gen.Elements(Kind.Add, Kind.Add, Kind.Add, Kind.Add, Kind.Add, Kind.Add, Kind.Truncate, Kind.Free), Gen.Zip(Gen.Choose(0, 5), Gen.Choose(0, 40)))
            .Select(t => (Kind: t.Item1, Run: t.Item2.Item1, N: t.Item2.Item2));
        return Prop.ForAll(operation.ArrayOf().Select(a => a.Take(300).ToArray()).ToArbitrary(), operations =>
        {
            using var runs = new NativeRuns<(int, long)>();
            var handles = new NativeRuns<(int, long)>.Run[6];
            var model = Enumerable.Range(0, 6).Select(_ => new List<(int, long)>()).ToArray();
            int step = 0;
            foreach (var (kind, r, n) in operations)
            {
                step++;
                switch (kind)
                {
                    case Kind.Add:
                        runs.Add(ref handles[r], (r, step));
                        model[r].Add((r, step));
                        break;
                    case Kind.Truncate:
                        int keep = model[r].Count == 0 ? 0 : n % (model[r].Count + 1);
                        NativeRuns<(int, long)>.Truncate(ref handles[r], keep);
                        model[r].RemoveRange(keep, model[r].Count - keep);
                        break;
                    case Kind.Free:
                        runs.Free(ref handles[r]);
                        model[r].Clear();
                        break;
                }

                for (int i = 0; i < model.Length; i++)
                {
                    int room = NativeRuns<(int, long)>.Room(handles[i].SizeClass);
                    if (!runs.Items(handles[i]).SequenceEqual(model[i].ToArray()) || room < model[i].Count)
                    {
                        return false.Label($"run {i} after step {step} ({kind})");
                    }
                }
            }

            return true.ToProperty();
        });
    }
}
