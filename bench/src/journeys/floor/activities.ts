/** The floor's only activity: a journey command that does nothing and answers at once, with a result of a command's size. */
export function createFloorActivities() {
  return {
    async command(input: { step: number; n: number }) {
      return { step: input.step, n: input.n, id: `floor-${input.step}-${input.n}`, amountOre: 203_950 };
    },
  };
}
export type FloorActivities = ReturnType<typeof createFloorActivities>;
