using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Timely.Communication.Binary;

namespace Timely.PropTests.Communication;

/// <summary>
/// The set of deallocated channel ids a bytes allocator keeps (to drop late messages for them)
/// holds them as ranges: after any sequence of additions it answers every lookup as a plain set
/// does, and holds exactly as many ranges as the set has maximal runs of consecutive ids, so a
/// process that ran many dataflows keeps a few ranges, not an entry per channel.
/// </summary>
public sealed class IdRangesProperties
{
    private static Gen<int[]> Additions() =>
        Gen.Frequency(
            (3, Gen.Choose(0, 60).ArrayOf()),                                              // dense, many adjacent and repeated
            (1, Gen.Choose(0, int.MaxValue - 2).ArrayOf()),                                // sparse over the whole id range
            (1, Gen.Choose(0, 40).Select(n => Enumerable.Range(0, n).Reverse().ToArray())));   // descending: every add joins on the left end

    [Property(MaxTest = 300, QuietOnSuccess = true)]
    public Property Lookups_match_a_set_and_ranges_match_its_runs() =>
        Prop.ForAll(Additions().ToArbitrary(), ids =>
        {
            var ranges = new IdRanges();
            var model = new HashSet<int>();
            foreach (int id in ids)
            {
                ranges.Add(id);
                model.Add(id);
            }

            var probes = ids.SelectMany(id => new[] { id - 1, id, id + 1 }).Append(0).Append(61).Where(id => id >= 0);
            bool lookups = probes.All(id => ranges.Contains(id) == model.Contains(id));
            int runs = model.Count(id => id == 0 || !model.Contains(id - 1));
            return (lookups && ranges.RangeCount == runs)
                .Label($"ranges {ranges.RangeCount}, runs {runs}, lookups agree {lookups}");
        });
}
