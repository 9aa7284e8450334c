/** The structured content of message kinds beyond text and files (plain types: the dashboard imports them too). */
export interface MessageLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

export interface MessageContactCard {
  name: string;
  /** `+digits` */
  phones: string[];
  vcard: string;
}
