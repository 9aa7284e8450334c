export declare const root: string;
export declare function isStale(output: string, inputs: string[]): boolean;
export declare function partialDir(dest: string): string;
export declare function swapInto(partial: string, dest: string): Promise<void>;
